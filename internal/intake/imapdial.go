package intake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// ErrMailboxLogin and ErrMailboxFolder mark the stage a mailbox session
// failed at.
var (
	ErrMailboxLogin  = errors.New("login")
	ErrMailboxFolder = errors.New("select")
)

// ErrInternalAddress is returned when an IMAP account's host resolves to an
// address it may not reach.
var ErrInternalAddress = errors.New("the address is internal (loopback, private or link-local)")

var (
	sharedNAT = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
)

// CheckMailboxAddr says whether an IMAP account may connect to ip. The
// mailbox setting is an admin form that makes the server open connections,
// so it must not reach the machine itself or its network (metadata
// services, databases) by default: loopback and private ranges only when an
// admin ticked "internal address" for the account; link-local (cloud
// metadata at 169.254.169.254), multicast and unspecified never.
func CheckMailboxAddr(ip netip.Addr, allowPrivate bool) error {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast():
		return ErrInternalAddress
	case ip.IsLoopback(), ip.IsPrivate(), sharedNAT.Contains(ip), thisNet.Contains(ip):
		if !allowPrivate {
			return ErrInternalAddress
		}
	}
	return nil
}

// mailboxDialer checks every address the connection is about to use, after
// name resolution, so a host name that resolves (or later re-resolves) to an
// internal address is refused as well.
func mailboxDialer(allowPrivate bool) *net.Dialer {
	return &net.Dialer{Timeout: 15 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return ErrInternalAddress
		}
		return CheckMailboxAddr(ip, allowPrivate)
	}}
}

// MailboxAccount is where and how to reach an IMAP account.
type MailboxAccount struct {
	Host         string
	Port         int
	TLS          bool
	AllowPrivate bool
}

// Addr is host:port.
func (a MailboxAccount) Addr() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// DialMailbox connects to an IMAP account through the address check; opts
// may be nil.
func DialMailbox(ctx context.Context, a MailboxAccount, opts *imapclient.Options) (*imapclient.Client, error) {
	o := imapclient.Options{}
	if opts != nil {
		o = *opts
	}
	d := mailboxDialer(a.AllowPrivate)
	conn, err := d.DialContext(ctx, "tcp", a.Addr())
	if err != nil {
		return nil, err
	}
	if a.TLS {
		cfg := &tls.Config{ServerName: a.Host, NextProtos: []string{"imap"}, MinVersion: tls.VersionTLS12}
		if o.TLSConfig != nil {
			cfg = o.TLSConfig.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = a.Host
			}
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		conn = tc
	}
	return imapclient.New(conn, &o), nil
}

// MailboxProblem says in fixed words why a mailbox session failed, for the
// admin page: the remote's own replies are never shown, so the mailbox form
// cannot be used to read what another service answers when connected to.
func MailboxProblem(err error) string {
	switch {
	case errors.Is(err, ErrMailboxLogin):
		return "Signing in failed: check the user name and password."
	case errors.Is(err, ErrMailboxFolder):
		return "The folder cannot be opened: check its name."
	}
	return "Cannot connect: " + DialProblem(err)
}

// DialProblem says in fixed words why a connection failed.
func DialProblem(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.Is(err, ErrInternalAddress):
		return "the host is an internal address (loopback, private network or link-local). " +
			"Tick \"Internal address\" for an IMAP server inside your network; link-local addresses are never allowed."
	case errors.As(err, &dnsErr):
		return "the host name does not resolve."
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused (nothing listens on that port)."
	case strings.HasPrefix(err.Error(), "tls:"):
		return "the TLS handshake failed (wrong port for TLS, or an untrusted certificate)."
	case errors.As(err, &opErr):
		return "the network refused the connection."
	}
	return "the connection was lost."
}
