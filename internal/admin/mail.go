package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// MailConfig is everything on the Mail admin page.
type MailConfig struct {
	Addresses []helpdesk.IntakeAddress
	Mailboxes []helpdesk.Mailbox
	Outbox    []helpdesk.OutboxMail
	Policy    intake.SenderPolicy
}

// SenderPolicyKey is the settings key the intake reads.
const SenderPolicyKey = "unknown_sender_policy"

// Mail loads the mail settings (admins only).
func (s *Service) Mail(ctx context.Context, actor *helpdesk.User) (*MailConfig, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	mc := &MailConfig{Policy: intake.SenderPolicy{Mode: "create"}}
	var err error
	if mc.Addresses, err = s.db.IntakeAddresses(ctx); err != nil {
		return nil, err
	}
	if mc.Mailboxes, err = s.db.Mailboxes(ctx); err != nil {
		return nil, err
	}
	if mc.Outbox, err = s.db.RecentOutbox(ctx); err != nil {
		return nil, err
	}
	if v, err := s.db.Setting(ctx, SenderPolicyKey); err == nil && v != nil {
		_ = json.Unmarshal(v, &mc.Policy)
	}
	return mc, nil
}

var localPartRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// IntakeInput is the "add intake address" form. Phishing marks it as the
// address employees forward suspicious mail to.
type IntakeInput struct {
	LocalPart, TeamID, CategoryID string
	Phishing                      bool
}

func optionalID(s string) *int64 {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return &id
	}
	return nil
}

// AddIntakeAddress routes mail to local@our-domain to a team and/or a
// category (admins only).
func (s *Service) AddIntakeAddress(ctx context.Context, actor *helpdesk.User, in IntakeInput) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	local := strings.ToLower(strings.TrimSpace(in.LocalPart))
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	if !localPartRe.MatchString(local) || len(local) > 64 {
		v.Add("local_part", "Use letters, digits, dots, hyphens and underscores, like it or security.")
	}
	team, cat := optionalID(in.TeamID), optionalID(in.CategoryID)
	if team == nil && cat == nil {
		v.Add("address_team", "Choose a team, a category or both.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if routed, err := tx.IntakeAddressRouted(ctx, local); err != nil {
			return err
		} else if routed {
			return helpdesk.Invalid("local_part", "This address is already routed.")
		}
		id, err := tx.InsertIntakeAddress(ctx, local, team, cat)
		if err != nil {
			switch helpdesk.ErrorCode(err) {
			case helpdesk.ECONFLICT:
				return helpdesk.Invalid("local_part", "This address is already routed.")
			case helpdesk.EINVALID:
				return helpdesk.Invalid("address_team", "The team or category does not exist any more.")
			}
			return err
		}
		if in.Phishing {
			if err := tx.SetIntakePhishing(ctx, id, true); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "intake_address", id, "create", nil,
			map[string]any{"local_part": local, "team_id": team, "category_id": cat, "phishing": in.Phishing})
	})
}

// SetIntakePhishing marks an address as "phishing reports" or unmarks it
// (admins only).
func (s *Service) SetIntakePhishing(ctx context.Context, actor *helpdesk.User, id int64, on bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.SetIntakePhishing(ctx, id, on); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "intake_address", id, "update", nil, map[string]any{"phishing": on})
	})
}

// DeleteIntakeAddress stops routing an address (admins only).
func (s *Service) DeleteIntakeAddress(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := tx.DeleteIntakeAddress(ctx, id)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "intake_address", id, "delete",
			map[string]any{"local_part": r.LocalPart, "team_id": r.TeamID, "category_id": r.CategoryID}, nil)
	})
}

// MailboxForm is the "add IMAP account" form.
type MailboxForm struct {
	Name, Host, Port string
	TLS              bool
	Username         string
	Password         string
	Folder           string
	// AllowPrivate: the admin explicitly lets this account reach loopback
	// and private addresses (an IMAP server in the office network).
	AllowPrivate bool
}

// AddMailbox stores an IMAP account with its password sealed under the
// server secret (admins only). The password is never shown back or audited.
func (s *Service) AddMailbox(ctx context.Context, actor *helpdesk.User, in MailboxForm) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	in.Host, in.Username, in.Folder, in.Name = strings.TrimSpace(in.Host), strings.TrimSpace(in.Username),
		strings.TrimSpace(in.Folder), strings.TrimSpace(in.Name)
	if in.Host == "" || strings.ContainsAny(in.Host, " /:@") || len(in.Host) > 253 {
		v.Add("mb_host", "Enter the server's host name, like imap.example.com.")
	} else if msg := mailboxHostProblem(in.Host, in.AllowPrivate); msg != "" {
		v.Add("mb_host", msg)
	}
	port, err := strconv.Atoi(strings.TrimSpace(in.Port))
	if err != nil || port < 1 || port > 65535 {
		v.Add("mb_port", "Enter a port from 1 to 65535 (993 for IMAP over TLS).")
	}
	if in.Username == "" {
		v.Add("mb_username", "Enter the account's user name.")
	}
	if in.Password == "" {
		v.Add("mb_password", "Enter the account's password.")
	}
	if in.Folder == "" {
		in.Folder = "INBOX"
	}
	if err := v.Err(); err != nil {
		return err
	}
	sealed, err := intake.SealSecret(s.secret, in.Password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		id, err := tx.InsertMailbox(ctx, postgres.MailboxInsert{Name: in.Name, Host: in.Host, Port: port, TLS: in.TLS,
			Username: in.Username, PasswordEnc: sealed, Folder: in.Folder, AllowPrivate: in.AllowPrivate})
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "mailbox", id, "create", nil, map[string]any{"name": in.Name, "host": in.Host,
			"port": port, "tls": in.TLS, "username": in.Username, "folder": in.Folder, "allow_private": in.AllowPrivate})
	})
}

// DeleteMailbox removes an IMAP account (admins only); pollers drop it on
// their next look at the list.
func (s *Service) DeleteMailbox(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := tx.DeleteMailbox(ctx, id)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "mailbox", id, "delete", map[string]any{"name": r.Name, "host": r.Host,
			"port": r.Port, "tls": r.TLS, "username": r.Username, "folder": r.Folder}, nil)
	})
}

// TestMailbox connects, signs in and opens the folder, and reports what
// failed in words an admin can act on; nil means it works. Nothing is
// fetched and nothing is stored.
func (s *Service) TestMailbox(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	mb, err := s.db.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	pass, err := intake.OpenSecret(s.secret, mb.PasswordEnc)
	if err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "%s", err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	acct := intake.MailboxAccount{Host: mb.Host, Port: mb.Port, TLS: mb.TLS, AllowPrivate: mb.AllowPrivate}
	addr := acct.Addr()
	// The answers name what failed in our words only: the remote's own
	// replies are never shown, so the form cannot be used to read what some
	// other service says when connected to.
	c, err := intake.DialMailbox(ctx, acct, nil)
	if err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Cannot connect to %s: %s", addr, intake.DialProblem(err))
	}
	defer func() { _ = c.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := c.Login(mb.Username, pass).Wait(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Connected to %s, but signing in as %s failed: check the user name and password, and that the server speaks IMAP%s.",
			addr, mb.Username, map[bool]string{true: " over TLS", false: ""}[mb.TLS])
	}
	if _, err := c.Select(mb.Folder, nil).Wait(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Signed in, but the folder %s cannot be opened: check its name.", mb.Folder)
	}
	_ = c.Logout().Wait()
	return nil
}

// mailboxHostProblem refuses an IP literal (or localhost) that the account
// may not reach; host names are checked again on every connection, after
// they resolve.
func mailboxHostProblem(host string, allowPrivate bool) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		h = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return ""
	}
	if intake.CheckMailboxAddr(ip, allowPrivate) != nil {
		if allowPrivate {
			return "Link-local, multicast and unspecified addresses are never allowed."
		}
		return "That is an internal address (loopback, private network or link-local). " +
			"Tick \"Internal address\" to allow an IMAP server inside your network."
	}
	return ""
}

// RetryOutbox puts a failed mail back in the queue and asks the send worker
// for it, in one transaction (admins only).
func (s *Service) RetryOutbox(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		r, err := tx.RetryOutbox(ctx, id)
		if err != nil {
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return helpdesk.Errorf(helpdesk.EINVALID, "Only failed mail can be retried.")
			}
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, jobs.SendArgs{OutboxID: id}, nil); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "outbox", id, "retry", map[string]any{"status": "failed", "attempts": r.Attempts},
			map[string]any{"status": "queued", "to": r.To, "subject": r.Subject})
	})
}

// SetSenderPolicy decides what happens to mail from unknown senders: create
// an account for anyone, or only for the listed domains (admins only).
func (s *Service) SetSenderPolicy(ctx context.Context, actor *helpdesk.User, mode, domains string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	p := intake.SenderPolicy{Mode: mode, Domains: []string{}}
	var v helpdesk.Validation
	if mode != "create" && mode != "domains" {
		v.Add("policy_mode", "Choose one of the options.")
	}
	for _, d := range splitList(domains, true) {
		d = strings.TrimPrefix(d, "@")
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " /@") {
			v.Add("policy_domains", fmt.Sprintf("%q is not a domain; write it like example.com.", d))
			break
		}
		p.Domains = append(p.Domains, d)
	}
	if mode == "domains" && len(p.Domains) == 0 && !v.Has("policy_domains") {
		v.Add("policy_domains", "List at least one domain, or accept everyone.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	val, _ := json.Marshal(p)
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.SettingTx(ctx, SenderPolicyKey)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, SenderPolicyKey, val); err != nil {
			return err
		}
		var b any
		if before != nil {
			b = json.RawMessage(before)
		}
		return audit(ctx, tx, actor, "setting", SenderPolicyKey, "update", b, json.RawMessage(val))
	})
}
