// Package config turns the environment into one validated Config. Nothing
// else in Switchboard reads environment variables, so the README's table is
// the whole truth.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything Switchboard reads from its environment.
type Config struct {
	DatabaseURL   string // empty: start the embedded PostgreSQL
	DataDir       string
	HTTPAddr      string
	SMTPAddr      string // "off" disables the listener
	SMTPTLSCert   string // PEM certificate chain for STARTTLS; empty: no STARTTLS
	SMTPTLSKey    string // its PEM private key
	BaseURL       string
	MailDomain    string
	SMTPRelay     string // empty: outgoing mail waits in the outbox
	SecretKey     []byte
	SessionIdle   time.Duration
	SessionMax    time.Duration
	MaxAttachment int64 // bytes per file
	MaxMessage    int64 // bytes per inbound mail
	LogLevel      string
	// MetricsAddr, when set, serves /metrics on its own listener (and not on
	// the HTTP address); MetricsToken is the bearer token /metrics on the
	// HTTP address wants (admins' API tokens work too).
	MetricsAddr  string
	MetricsToken string
	// DebugAddr, when set, serves Go's runtime profiles (net/http/pprof)
	// on its own listener; only loopback addresses are accepted, as the
	// profiles show request data.
	DebugAddr string
	// TrustedProxies are the peers whose X-Forwarded-For / Forwarded
	// headers name the real client (sign-in throttling, audit, detection).
	TrustedProxies []netip.Prefix
	// APIRate and APIBurst size each user's API budget, shared by all of
	// their tokens: APIBurst at once, APIRate per second sustained.
	APIRate  float64
	APIBurst int
	// Scheduled backups of the embedded default (0: off).
	BackupEvery time.Duration
	BackupKeep  int
	BackupDir   string

	// Sender authentication of inbound mail (issue 13).
	MailAuth      bool         // SWITCHBOARD_MAIL_AUTH: on (default) or off
	DNSServer     string       // host:port; empty: the system's resolvers
	AuthServIDs   []string     // authserv-ids whose Authentication-Results are believed
	TrustedRelays []*net.IPNet // SMTP clients that write those results
	OrgDomains    []string     // the organisation's own mail domains
}

// Load reads the environment through getenv. It generates and stores the
// secret key in the data dir on first use, so restarts keep sessions valid.
func Load(getenv func(string) string) (*Config, error) {
	c := &Config{
		DatabaseURL:  getenv("DATABASE_URL"),
		DataDir:      or(getenv("SWITCHBOARD_DATA_DIR"), "./var"),
		HTTPAddr:     or(getenv("SWITCHBOARD_HTTP_ADDR"), "127.0.0.1:8080"),
		SMTPAddr:     or(getenv("SWITCHBOARD_SMTP_ADDR"), "127.0.0.1:2525"),
		MailDomain:   or(getenv("SWITCHBOARD_MAIL_DOMAIN"), "helpdesk.localhost"),
		SMTPRelay:    getenv("SWITCHBOARD_SMTP_RELAY"),
		SMTPTLSCert:  getenv("SWITCHBOARD_SMTP_TLS_CERT"),
		SMTPTLSKey:   getenv("SWITCHBOARD_SMTP_TLS_KEY"),
		LogLevel:     or(getenv("SWITCHBOARD_LOG_LEVEL"), "info"),
		MetricsAddr:  getenv("SWITCHBOARD_METRICS_ADDR"),
		MetricsToken: getenv("SWITCHBOARD_METRICS_TOKEN"),
		DebugAddr:    getenv("SWITCHBOARD_DEBUG_ADDR"),
	}
	var errs []error
	var err error
	if c.DataDir, err = filepath.Abs(c.DataDir); err != nil {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_DATA_DIR: %w", err))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_HTTP_ADDR %q: %w", c.HTTPAddr, err))
	}
	if c.SMTPAddr != "off" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_SMTP_ADDR %q: %w (or \"off\")", c.SMTPAddr, err))
		}
	}
	if (c.SMTPTLSCert == "") != (c.SMTPTLSKey == "") {
		errs = append(errs, errors.New("SWITCHBOARD_SMTP_TLS_CERT and SWITCHBOARD_SMTP_TLS_KEY: set both (PEM files) or neither"))
	}
	c.BaseURL = strings.TrimRight(or(getenv("SWITCHBOARD_BASE_URL"), "http://"+c.HTTPAddr), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_BASE_URL %q: want http(s)://host[:port]", c.BaseURL))
	}
	if c.SMTPRelay != "" {
		if u, err := url.Parse(c.SMTPRelay); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, errors.New("SWITCHBOARD_SMTP_RELAY: want smtp://user:pass@host:port"))
		}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_METRICS_ADDR %q: %w", c.MetricsAddr, err))
		}
	}
	if c.DebugAddr != "" && !loopback(c.DebugAddr) {
		errs = append(errs, fmt.Errorf("SWITCHBOARD_DEBUG_ADDR %q: want a loopback host:port such as 127.0.0.1:6060", c.DebugAddr))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("SWITCHBOARD_METRICS_TOKEN: use at least 16 characters"))
	}
	for _, p := range strings.FieldsFunc(getenv("SWITCHBOARD_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			if ip, err2 := netip.ParseAddr(p); err2 == nil {
				pfx, err = netip.PrefixFrom(ip, ip.BitLen()), nil
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_TRUSTED_PROXIES %q: want CIDRs such as 10.0.0.0/8, comma-separated", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
	}
	c.APIRate = 20
	if v := getenv("SWITCHBOARD_API_RATE"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 0 || f > 100000 {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_API_RATE %q: want requests per second, such as 20 or 0.5", v))
		} else {
			c.APIRate = f
		}
	}
	c.APIBurst = 100
	if v := getenv("SWITCHBOARD_API_BURST"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 1000000 {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_API_BURST %q: want a whole number of requests, such as 100", v))
		} else {
			c.APIBurst = n
		}
	}
	c.SessionIdle = durationEnv(getenv, "SWITCHBOARD_SESSION_IDLE", 8*time.Hour, &errs)
	c.SessionMax = durationEnv(getenv, "SWITCHBOARD_SESSION_MAX", 30*24*time.Hour, &errs)
	c.MaxAttachment = sizeEnv(getenv, "SWITCHBOARD_MAX_ATTACHMENT_MB", 25, &errs)
	c.MaxMessage = sizeEnv(getenv, "SWITCHBOARD_MAX_MESSAGE_MB", 35, &errs)
	if v := getenv("SWITCHBOARD_BACKUP_EVERY"); v != "off" {
		c.BackupEvery = durationEnv(getenv, "SWITCHBOARD_BACKUP_EVERY", 24*time.Hour, &errs)
	}
	c.BackupKeep = 7
	if v := getenv("SWITCHBOARD_BACKUP_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			errs = append(errs, fmt.Errorf("SWITCHBOARD_BACKUP_KEEP %q: want a number of backups between 1 and 1000", v))
		}
		c.BackupKeep = n
	}
	c.BackupDir = or(getenv("SWITCHBOARD_BACKUP_DIR"), filepath.Join(c.DataDir, "backups"))
	mailTrust(c, getenv, &errs)
	if key := getenv("SWITCHBOARD_SECRET_KEY"); key != "" {
		if len(key) < 32 {
			errs = append(errs, errors.New("SWITCHBOARD_SECRET_KEY: use at least 32 characters"))
		}
		c.SecretKey = []byte(key)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Secure reports whether cookies must carry the Secure flag.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// EnsureSecret loads the secret key from the data dir, creating it on first
// start. It is separate from Load so that a read-only command need not write.
func (c *Config) EnsureSecret() error {
	if c.SecretKey != nil {
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil { //nolint:gosec // the embedded cluster's server user (postgres, when run as root) must reach pg/ below it; secret.key itself is 0600
		return err
	}
	path := filepath.Join(c.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 { //nolint:gosec // a fixed name in the operator's data dir
		c.SecretKey = []byte(strings.TrimSpace(string(b)))
		return nil
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	key := hex.EncodeToString(buf)
	// O_EXCL: two processes starting together must agree on one key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // a fixed name in the operator's data dir
	if errors.Is(err, os.ErrExist) {
		time.Sleep(50 * time.Millisecond)
		b, err := os.ReadFile(path) //nolint:gosec // a fixed name in the operator's data dir
		if err != nil {
			return err
		}
		c.SecretKey = []byte(strings.TrimSpace(string(b)))
		return nil
	} else if err != nil {
		return fmt.Errorf("create secret key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("write secret key: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write secret key: %w", err)
	}
	c.SecretKey = []byte(key)
	return nil
}

// String prints the configuration with secrets masked, for the start banner.
func (c *Config) String() string {
	db := "embedded PostgreSQL in " + filepath.Join(c.DataDir, "pg")
	if c.DatabaseURL != "" {
		db = MaskURL(c.DatabaseURL)
	}
	relay := "none (outbox)"
	if c.SMTPRelay != "" {
		relay = MaskURL(c.SMTPRelay)
	}
	return fmt.Sprintf("database=%s data_dir=%s http=%s smtp=%s base_url=%s mail_domain=%s relay=%s secret_key=***",
		db, c.DataDir, c.HTTPAddr, c.SMTPAddr, c.BaseURL, c.MailDomain, relay)
}

// MaskURL hides the password of a URL-style connection string.
func MaskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if strings.Contains(s, "password=") {
			return "(connection string with password)"
		}
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func durationEnv(getenv func(string) string, name string, def time.Duration, errs *[]error) time.Duration {
	v := getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		*errs = append(*errs, fmt.Errorf("%s %q: want a positive duration such as 8h", name, v))
		return def
	}
	return d
}

func sizeEnv(getenv func(string) string, name string, defMB int64, errs *[]error) int64 {
	v := getenv(name)
	if v == "" {
		return defMB << 20
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 100 {
		*errs = append(*errs, fmt.Errorf("%s %q: want megabytes between 1 and 100", name, v))
		return defMB << 20
	}
	return n << 20
}

// mailTrust reads the sender-authentication settings.
func mailTrust(c *Config, getenv func(string) string, errs *[]error) {
	switch v := strings.ToLower(or(getenv("SWITCHBOARD_MAIL_AUTH"), "on")); v {
	case "on", "true", "1":
		c.MailAuth = true
	case "off", "false", "0":
	default:
		*errs = append(*errs, fmt.Errorf("SWITCHBOARD_MAIL_AUTH %q: want on or off", v))
	}
	c.DNSServer = getenv("SWITCHBOARD_DNS_SERVER")
	if c.DNSServer != "" {
		if _, _, err := net.SplitHostPort(c.DNSServer); err != nil {
			*errs = append(*errs, fmt.Errorf("SWITCHBOARD_DNS_SERVER %q: want host:port", c.DNSServer))
		}
	}
	c.AuthServIDs = list(getenv("SWITCHBOARD_MAIL_AUTHSERV_IDS"))
	for _, s := range list(getenv("SWITCHBOARD_MAIL_TRUSTED_RELAYS")) {
		if !strings.Contains(s, "/") {
			if strings.Contains(s, ":") {
				s += "/128"
			} else {
				s += "/32"
			}
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("SWITCHBOARD_MAIL_TRUSTED_RELAYS %q: %w", s, err))
			continue
		}
		c.TrustedRelays = append(c.TrustedRelays, n)
	}
	c.OrgDomains = list(strings.ToLower(getenv("SWITCHBOARD_MAIL_ORG_DOMAINS")))
}

// list splits a comma- or space-separated setting.
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// loopback reports whether addr is host:port on a loopback address
// (localhost, 127.0.0.0/8, ::1).
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
