package intake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"switchboard/internal/postgres"
)

// SMTPServer is the inbound listener. It accepts mail only for our intake
// addresses and signed reply addresses, and answers 250 only after the raw
// mail is committed (processing follows; see Dispatcher).
type SMTPServer struct {
	Addr     string // host:port; port 0 picks a free one (see ListenAddr)
	Domain   string // our mail domain
	Secret   []byte // signs reply addresses
	MaxBytes int64
	Store    *Store
	Log      *slog.Logger
	// TLS, when set, offers STARTTLS, so sending servers that can encrypt
	// do. Plain sessions stay allowed: most MTAs fall back to them, and
	// refusing would only lose mail.
	TLS *tls.Config
	// Health, when set, is told about database errors; while the database
	// is down every mail is refused with 451 at MAIL FROM, so sending
	// servers queue it and retry.
	Health *postgres.Health

	srv *smtp.Server
	ln  net.Listener
}

// Errors answered to SMTP clients. 451 makes the sending server retry later,
// so a database outage loses nothing.
var (
	errNoRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Relaying denied: no such helpdesk address here"}
	errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary local problem, please try again later"}
	errUnavailable = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Helpdesk database temporarily unavailable, please try again later"}
	errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message too large for this helpdesk"}
)

// Start listens and serves in the background.
func (s *SMTPServer) Start(ctx context.Context) error {
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	srv.Domain = s.Domain
	srv.MaxMessageBytes = s.MaxBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogAdapter{s.Log}
	srv.TLSConfig = s.TLS
	s.srv = srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.Log.Error("smtp server", "err", err)
		}
	}()
	s.Log.Info("smtp listening", "addr", ln.Addr().String(), "domain", s.Domain, "starttls", s.TLS != nil)
	return nil
}

// ListenAddr is the bound address once started.
func (s *SMTPServer) ListenAddr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Stop lets sessions in the middle of a DATA finish (their mail is committed
// or refused with 451), then closes what is left.
func (s *SMTPServer) Stop(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		_ = s.srv.Close()
	}
	return nil
}

type session struct {
	s      *SMTPServer
	conn   *smtp.Conn
	remote string
	from   string
	rcpt   []string
}

func (ss *session) Reset()        { ss.from, ss.rcpt = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.Health.Down() {
		return errUnavailable
	}
	ss.from, ss.rcpt = from, nil
	return nil
}

// Rcpt refuses everything but our own addresses, so we are never an open relay.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ok, err := ss.s.Store.Accepts(ctx, ss.s.Secret, ss.s.Domain, to)
	if err != nil {
		ss.s.Log.Warn("smtp rcpt check", "rcpt", to, "err", err)
		ss.s.Health.Report(err)
		return errTryLater
	}
	if !ok {
		return errNoRelay
	}
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

// Data reads the message and commits it; only a nil return makes go-smtp
// answer 250.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code == 552 {
			return errTooBig
		}
		return err
	}
	if ss.s.MaxBytes > 0 && int64(len(raw)) > ss.s.MaxBytes {
		return errTooBig
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ip, _, _ := net.SplitHostPort(ss.remote)
	id, dup, err := ss.s.Store.Accept(ctx, Received{Raw: raw, Via: "smtp", EnvelopeFrom: ss.from, Rcpt: ss.rcpt,
		ClientIP: ip, HELO: ss.conn.Hostname()})
	if err != nil {
		ss.s.Log.Warn("smtp store", "from", ss.from, "err", err)
		ss.s.Health.Report(err)
		return errTryLater
	}
	ss.s.Log.Debug("smtp accepted", "id", id, "duplicate", dup, "from", ss.from, "remote", ss.remote)
	return nil
}

// Accepts reports whether rcpt is an address we take mail for: a configured
// intake address or a valid signed reply address on our domain.
func (s *Store) Accepts(ctx context.Context, secret []byte, domain, rcpt string) (bool, error) {
	return s.dir.ours(ctx, s.DB, secret, domain, rcpt)
}

// slogAdapter routes go-smtp's own error log to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) {
	a.l.Debug("smtp", "msg", fmt.Sprintf(format, v...))
}
func (a slogAdapter) Println(v ...any) { a.l.Debug("smtp", "msg", fmt.Sprint(v...)) }
