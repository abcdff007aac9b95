package config

import (
	"strings"
	"testing"
)

func TestSMTPTLSNeedsBothFiles(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"cert only": {"SWITCHBOARD_SMTP_TLS_CERT": "/etc/ssl/cert.pem"},
		"key only":  {"SWITCHBOARD_SMTP_TLS_KEY": "/etc/ssl/key.pem"},
	} {
		vars["SWITCHBOARD_DATA_DIR"] = t.TempDir()
		_, err := Load(func(k string) string { return vars[k] })
		if err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_SMTP_TLS_CERT and SWITCHBOARD_SMTP_TLS_KEY") {
			t.Errorf("%s: err = %v, want one naming both variables", name, err)
		}
	}
	vars := map[string]string{"SWITCHBOARD_DATA_DIR": t.TempDir(),
		"SWITCHBOARD_SMTP_TLS_CERT": "/etc/ssl/cert.pem", "SWITCHBOARD_SMTP_TLS_KEY": "/etc/ssl/key.pem"}
	c, err := Load(func(k string) string { return vars[k] })
	if err != nil || c.SMTPTLSCert != "/etc/ssl/cert.pem" || c.SMTPTLSKey != "/etc/ssl/key.pem" {
		t.Errorf("both set: %+v, %v", c, err)
	}
}

// Runtime profiles show request data: the debug listener must stay on
// loopback.
func TestDebugAddrLoopbackOnly(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "[::1]:6060": true, "localhost:0": true,
		"0.0.0.0:6060": false, ":6060": false, "10.1.2.3:6060": false, "example.com:6060": false, "127.0.0.1": false,
	} {
		vars := map[string]string{"SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_DEBUG_ADDR": addr}
		c, err := Load(func(k string) string { return vars[k] })
		if ok && (err != nil || c.DebugAddr != addr) {
			t.Errorf("%q: %v, want accepted", addr, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_DEBUG_ADDR")) {
			t.Errorf("%q: err = %v, want refused", addr, err)
		}
	}
}
