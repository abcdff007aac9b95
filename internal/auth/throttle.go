package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Sign-in throttling that protects without locking people out (issue 14):
//   - per account: accountFree failures within window lock the account
//     for accountFirst, doubling with each further failure up to
//     accountMost. A correct password from a known device (see Devices)
//     still passes, so an attacker cannot lock the owner out.
//   - per client address: only failures count, and only from addressFree
//     within window on (so one person mistyping never trips it), keyed on the
//     real client address (SWITCHBOARD_TRUSTED_PROXIES). This is what slows
//     a password sprayer trying one password on many accounts.
//
// Counters live in PostgreSQL so every app node sees the same counts.
const (
	window       = 15 * time.Minute
	accountFree  = 5
	accountFirst = 30 * time.Second
	accountMost  = 15 * time.Minute
	addressFree  = 20
	addressFirst = time.Minute
	addressMost  = 30 * time.Minute
)

// Throttle counts failed sign-ins per key. OnSignIn, when set, hears of
// every attempt once it is recorded (threat detection).
type Throttle struct {
	DB *postgres.DB
	// It returns stop=true to refuse a successful attempt (a high-risk
	// detection whose configured response ends the person's sessions).
	OnSignIn func(ctx context.Context, s SignInRecord) (stop bool)
}

// SignInRecord is a recorded attempt with what detection needs.
type SignInRecord struct {
	helpdesk.SignIn
	User *helpdesk.User // nil for unknown or inactive accounts
}

// Wait returns how long the caller must wait before trying again, zero when
// none of the keys is locked.
func (t *Throttle) Wait(ctx context.Context, keys ...string) (time.Duration, error) {
	return t.DB.LoginWait(ctx, keys...)
}

// Fail records a failed attempt for each key ("email:…" keys by the
// account policy, "ip:…" keys by the address policy).
func (t *Throttle) Fail(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		free, first, most := accountFree, accountFirst, accountMost
		if strings.HasPrefix(k, "ip:") {
			free, first, most = addressFree, addressFirst, addressMost
		}
		if err := t.DB.LoginFail(ctx, k, free, window, first, most); err != nil {
			return fmt.Errorf("count failed sign-in: %w", err)
		}
	}
	return nil
}

// Succeed clears the account's counter (not the address's: one good
// password must not reset a spray against many accounts).
func (t *Throttle) Succeed(ctx context.Context, accountKey string) error {
	return t.DB.LoginClear(ctx, accountKey)
}

// Keys returns the throttle keys of an attempt.
func Keys(email, ip string) (account, address string) {
	return "email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + ip
}

// ThrottledError is the answer while a key is locked; Wait is the truth
// for Retry-After.
type ThrottledError struct {
	Err  *helpdesk.Error
	Wait time.Duration
}

func (e *ThrottledError) Error() string { return e.Err.Error() }

// Unwrap lets helpdesk.ErrorCode see ETOOMANY.
func (e *ThrottledError) Unwrap() error { return e.Err }

// RetryAfter returns the whole seconds a throttled caller must wait, and
// whether err is a throttle answer at all.
func RetryAfter(err error) (int, bool) {
	var te *ThrottledError
	if !errors.As(err, &te) {
		return 0, false
	}
	return max(1, int((te.Wait+time.Second-1)/time.Second)), true
}

// TooMany is the error shown when a key is locked; the text is the same
// whether or not the account exists.
func TooMany(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	msg := fmt.Sprintf("Too many sign-in attempts. Please wait %d seconds and try again.", max(1, secs))
	if secs > 90 {
		msg = fmt.Sprintf("Too many sign-in attempts. Please wait %d minutes and try again.", (secs+59)/60)
	}
	return &ThrottledError{Err: helpdesk.Errorf(helpdesk.ETOOMANY, "%s", msg), Wait: wait}
}

// Attempt is one password sign-in.
type Attempt struct {
	Email, Password string
	IP, UserAgent   string
	// Known reports whether the browser signed in to the account before
	// (Devices.Known); nil: never.
	Known func(ctx context.Context, userID int64) bool
}

// Authenticate checks an email and password (no known device). Failures
// return one message for unknown accounts, wrong passwords and deactivated
// users alike.
func Authenticate(ctx context.Context, db *postgres.DB, t *Throttle, email, password, ip string) (*helpdesk.User, error) {
	u, _, err := t.Check(ctx, db, Attempt{Email: email, Password: password, IP: ip})
	return u, err
}

// Check runs a password attempt through the throttle: it returns the user
// and whether the browser is a known device of theirs. While the account
// or the address is locked only a known device gets its password checked.
func (t *Throttle) Check(ctx context.Context, db *postgres.DB, a Attempt) (*helpdesk.User, bool, error) {
	acct, addr := Keys(a.Email, a.IP)
	wait, err := t.Wait(ctx, acct, addr)
	if err != nil {
		return nil, false, err
	}
	bad := helpdesk.Errorf(helpdesk.EUNAUTH, "That email and password do not match an active account.")
	rec := helpdesk.SignIn{Email: strings.ToLower(strings.TrimSpace(a.Email)), IP: a.IP, UserAgent: truncate(a.UserAgent, 300), Method: "password"}
	row, hash, err := db.UserCredentials(ctx, strings.TrimSpace(a.Email))
	var user *helpdesk.User
	if err == nil && hash != "" && row.Active {
		user = row
		rec.UserID = user.ID
		if a.Known != nil {
			rec.DeviceKnown = a.Known(ctx, user.ID)
		}
	} else if err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		return nil, false, err
	}
	if wait > 0 && !rec.DeviceKnown {
		t.record(ctx, rec, user)
		return nil, false, TooMany(wait)
	}
	if user == nil || !CheckPassword(hash, a.Password) {
		if user == nil {
			CheckNoUser(a.Password) // same time as a wrong password
		}
		t.record(ctx, rec, user)
		if err := t.Fail(ctx, acct, addr); err != nil {
			return nil, false, err
		}
		// Same answer for unknown accounts, or the lock would tell which
		// accounts exist.
		if wait, _ := t.Wait(ctx, acct, addr); wait > 0 && !rec.DeviceKnown {
			return nil, false, TooMany(wait)
		}
		return nil, false, bad
	}
	rec.OK = true
	stop := t.record(ctx, rec, user)
	_ = t.Succeed(ctx, acct)
	if stop {
		return nil, false, errStopped
	}
	return user, rec.DeviceKnown, nil
}

// errStopped answers a sign-in that threat detection's configured response stopped.
var errStopped = helpdesk.Errorf(helpdesk.EUNAUTH,
	"This sign-in looked unusual and was stopped for your safety. We have emailed you; if it was you, please contact IT.")

// Observe records a successful sign-in that did not come through Check
// (single sign-on, a passkey alone) and tells OnSignIn, so threat
// detection sees every way in; errStopped when the response stops it.
func (t *Throttle) Observe(ctx context.Context, s helpdesk.SignIn, u *helpdesk.User) error {
	s.Email = strings.ToLower(strings.TrimSpace(s.Email))
	s.UserAgent = truncate(s.UserAgent, 300)
	if t.record(ctx, s, u) {
		return errStopped
	}
	return nil
}

// record stores the attempt and tells OnSignIn; a failure to record must
// not turn a sign-in into an error page, so it is only logged by the hook's
// absence of data.
func (t *Throttle) record(ctx context.Context, s helpdesk.SignIn, u *helpdesk.User) bool {
	id, err := t.DB.RecordSignIn(ctx, s)
	if err != nil {
		return false
	}
	s.ID, s.At = id, time.Now()
	if t.OnSignIn != nil {
		return t.OnSignIn(ctx, SignInRecord{SignIn: s, User: u})
	}
	return false
}
