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
