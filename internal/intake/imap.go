package intake

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"switchboard/internal/postgres"
)

// MailboxInput is an IMAP account an admin adds.
type MailboxInput struct {
	Name, Host string
	Port       int
	TLS        bool
	Username   string
	Password   string
	Folder     string
	// AllowPrivate lets the account reach loopback and private addresses
	// (an admin's explicit choice; see CheckMailboxAddr).
	AllowPrivate bool
}

// AddMailbox stores an account with its password sealed under the secret.
func (s *Store) AddMailbox(ctx context.Context, secret []byte, in MailboxInput) (int64, error) {
	enc, err := SealSecret(secret, in.Password)
	if err != nil {
		return 0, err
	}
	if in.Folder == "" {
		in.Folder = "INBOX"
	}
	return s.DB.InsertMailbox(ctx, postgres.MailboxInsert{Name: in.Name, Host: in.Host, Port: in.Port, TLS: in.TLS,
		Username: in.Username, PasswordEnc: enc, Folder: in.Folder, AllowPrivate: in.AllowPrivate})
}

func secretKey(secret []byte) []byte {
	k := sha256.Sum256(append([]byte("switchboard-mailbox-password\x00"), secret...))
	return k[:]
}

// SealSecret encrypts a mailbox password with AES-256-GCM (random nonce
// first), keyed from the server secret.
func SealSecret(secret []byte, plain string) ([]byte, error) {
	block, err := aes.NewCipher(secretKey(secret))
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return g.Seal(nonce, nonce, []byte(plain), []byte("mailbox")), nil
}

// OpenSecret decrypts what SealSecret made; a changed secret key fails here.
func OpenSecret(secret, sealed []byte) (string, error) {
	block, err := aes.NewCipher(secretKey(secret))
	if err != nil {
		return "", err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(sealed) < g.NonceSize() {
		return "", errors.New("sealed password too short")
	}
	out, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte("mailbox"))
	if err != nil {
		return "", errors.New("cannot decrypt the mailbox password (was the secret key changed?)")
	}
	return string(out), nil
}

// Poller fetches mail from every enabled mailbox: one goroutine each, IDLE
// where the server offers it and polling otherwise, reconnecting with backoff.
// Mail is committed (with the UID watermark, in one transaction) before it is
// flagged \Seen, so a crash can repeat a fetch but never lose a mail, and the
// Message-ID rule stores the repeat once.
type Poller struct {
	Store     *Store
	Secret    []byte
	MaxBytes  int64
	Log       *slog.Logger
	PollEvery time.Duration // without IDLE, and how often the mailbox list is re-read; default 1 min

	mu      sync.Mutex
	running map[int64]context.CancelFunc
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Start begins watching the mailbox list.
func (p *Poller) Start(ctx context.Context) error {
	if p.PollEvery == 0 {
		p.PollEvery = time.Minute
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	p.running = map[int64]context.CancelFunc{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			p.sync(base)
			select {
			case <-base.Done():
				return
			case <-time.After(p.PollEvery):
			}
		}
	}()
	return nil
}

// Stop ends every mailbox session and waits for them.
func (p *Poller) Stop(context.Context) error {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	return nil
}

// sync starts sessions for new mailboxes and stops removed or disabled ones.
func (p *Poller) sync(ctx context.Context) {
	boxes, err := p.Store.DB.EnabledMailboxes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.Log.Warn("imap: list mailboxes", "err", err)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	want := map[int64]bool{}
	for _, b := range boxes {
		want[b] = true
		if p.running[b] != nil {
			continue
		}
		mctx, cancel := context.WithCancel(ctx)
		p.running[b] = cancel
		p.wg.Add(1)
		go func(id int64) {
			defer p.wg.Done()
			p.run(mctx, id)
		}(b)
	}
	for id, cancel := range p.running {
		if !want[id] {
			cancel()
			delete(p.running, id)
		}
	}
}

// run keeps one mailbox session alive, backing off after failures.
func (p *Poller) run(ctx context.Context, id int64) {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := p.session(ctx, id)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.Log.Warn("imap session", "mailbox_id", id, "err", err)
			// The admin page shows fixed words, never the remote's replies.
			_ = p.Store.DB.MailboxError(ctx, id, MailboxProblem(err))
		}
		if time.Since(start) > 5*time.Minute {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

// session connects, fetches what is new, then waits (IDLE or poll) and
// repeats until ctx ends or the connection fails.
func (p *Poller) session(ctx context.Context, id int64) error {
	mb, err := p.Store.DB.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	pass, err := OpenSecret(p.Secret, mb.PasswordEnc)
	if err != nil {
		return err
	}
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}}}
	c, err := DialMailbox(ctx, MailboxAccount{Host: mb.Host, Port: mb.Port, TLS: mb.TLS, AllowPrivate: mb.AllowPrivate}, opts)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := c.Login(mb.Username, pass).Wait(); err != nil {
		return fmt.Errorf("%w: %w", ErrMailboxLogin, err)
	}
	sel, err := c.Select(mb.Folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrMailboxFolder, mb.Folder, err)
	}
	for {
		if err := p.fetchNew(ctx, c, id, sel.UIDValidity); err != nil {
			return err
		}
		if err := p.Store.DB.MailboxFetched(ctx, id); err != nil {
			return err
		}
		if err := p.wait(ctx, c, wake); err != nil {
			return err
		}
	}
}

// wait returns when the server reports new mail (IDLE), or after PollEvery.
func (p *Poller) wait(ctx context.Context, c *imapclient.Client, wake chan struct{}) error {
	timer := time.NewTimer(p.PollEvery)
	defer timer.Stop()
	if !c.Caps().Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		return c.Noop().Wait()
	}
	idle, err := c.Idle()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-timer.C: // re-issue IDLE now and then; servers drop idle clients after ~30 min
	}
	if err := idle.Close(); err != nil {
		return err
	}
	if err := idle.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// fetchNew stores every message above the watermark, one transaction each
// (message + watermark), then flags it \Seen.
func (p *Poller) fetchNew(ctx context.Context, c *imapclient.Client, id int64, uidValidity uint32) error {
	mb, err := p.Store.DB.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	last := imap.UID(mb.LastUID)
	if uint32(mb.UIDValidity) != uidValidity {
		// The server renumbered the folder: start over; Message-IDs keep
		// already stored mail from being stored again.
		if mb.UIDValidity != 0 {
			p.Log.Warn("imap: UIDVALIDITY changed, refetching folder", "mailbox_id", id,
				"old", mb.UIDValidity, "new", uidValidity)
		}
		last = 0
		if err := p.Store.DB.SetMailboxWatermark(ctx, id, int64(uidValidity), 0); err != nil {
			return err
		}
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: last + 1, Stop: 0}}}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	uids := slices.DeleteFunc(data.AllUIDs(), func(u imap.UID) bool { return u <= last })
	slices.Sort(uids)
	for _, uid := range uids {
		if err := p.fetchOne(ctx, c, id, uidValidity, uid); err != nil {
			return err
		}
	}
	return nil
}

func (p *Poller) fetchOne(ctx context.Context, c *imapclient.Client, id int64, uidValidity uint32, uid imap.UID) error {
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		return fmt.Errorf("fetch uid %d: %w", uid, err)
	}
	var raw []byte
	if len(msgs) == 1 && len(msgs[0].BodySection) == 1 {
		raw = msgs[0].BodySection[0].Bytes
	}
	var stored int64
	err = p.Store.DB.InTx(ctx, func(tx *postgres.Tx) error {
		stored = 0
		// The row lock orders two nodes polling the same mailbox.
		cur, err := tx.LockMailbox(ctx, id)
		if err != nil {
			return err
		}
		if cur >= int64(uid) {
			return nil
		}
		switch {
		case len(raw) == 0:
			p.Log.Warn("imap: message vanished before fetch", "mailbox_id", id, "uid", uid)
		case p.MaxBytes > 0 && int64(len(raw)) > p.MaxBytes:
			p.Log.Warn("imap: message over the size limit left in the mailbox", "mailbox_id", id, "uid", uid, "bytes", len(raw))
		default:
			rowID, _, err := p.Store.AcceptTx(ctx, tx, Received{Raw: raw, Via: "imap", MailboxID: &id})
			if err != nil {
				return err
			}
			stored = rowID
		}
		return tx.SetMailboxWatermark(ctx, id, int64(uidValidity), int64(uid))
	})
	if err != nil {
		return err
	}
	if stored != 0 {
		p.Store.Committed(ctx, stored)
	}
	return c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
}
