package auth

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Passkeys registers and checks WebAuthn credentials, as a second factor
// after the password or on their own (a discoverable credential with user
// verification names and proves the person at once).
type Passkeys struct {
	DB *postgres.DB
	WA *webauthn.WebAuthn
}

// NewPasskeys sets the relying party from the base URL: its host is the
// RP ID and its origin the only one accepted.
func NewPasskeys(db *postgres.DB, baseURL string) (*Passkeys, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("passkeys: base URL: %w", err)
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "Switchboard",
		RPOrigins: []string{u.Scheme + "://" + u.Host}})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return &Passkeys{DB: db, WA: wa}, nil
}

// waUser adapts a person to the library.
type waUser struct {
	u     *helpdesk.User
	creds []webauthn.Credential
}

// userHandle is the opaque WebAuthn user id: the account number, which
// says nothing about the person.
func userHandle(id int64) []byte { return binary.BigEndian.AppendUint64([]byte("sb"), uint64(id)) }

func (w *waUser) WebAuthnID() []byte                         { return userHandle(w.u.ID) }
func (w *waUser) WebAuthnName() string                       { return w.u.Email }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func (p *Passkeys) user(ctx context.Context, u *helpdesk.User) (*waUser, error) {
	raws, err := p.DB.PasskeyCredentials(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	w := &waUser{u: u}
	for _, raw := range raws {
		var c webauthn.Credential
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("read passkey of user %d: %w", u.ID, err)
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// ceremony is what a passkey flow keeps between begin and finish.
type ceremony struct {
	Session webauthn.SessionData `json:"session"`
	Name    string               `json:"name,omitempty"`
	Next    string               `json:"next,omitempty"`
}

// BeginRegistration returns the browser's creation options and the flow
// data for a new passkey named name (resident, so it also signs in alone).
func (p *Passkeys) BeginRegistration(ctx context.Context, u *helpdesk.User, name string) (any, []byte, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 60 {
		return nil, nil, helpdesk.Errorf(helpdesk.EINVALID, "Give the passkey a name of up to 60 characters.")
	}
	w, err := p.user(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range w.creds {
		exclude = append(exclude, c.Descriptor())
	}
	opts, sess, err := p.WA.BeginRegistration(w, webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(), UserVerification: protocol.VerificationPreferred}))
	if err != nil {
		return nil, nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	data, err := json.Marshal(ceremony{Session: *sess, Name: name})
	return opts, data, err
}

// FinishRegistration checks the authenticator's answer and stores the
// credential.
func (p *Passkeys) FinishRegistration(ctx context.Context, u *helpdesk.User, flowData []byte, r *http.Request) (err error) {
	defer helpdesk.WrapOp(&err, "register passkey of user %d", u.ID)
	var c ceremony
	if err := json.Unmarshal(flowData, &c); err != nil {
		return err
	}
	w, err := p.user(ctx, u)
	if err != nil {
		return err
	}
	cred, err := p.WA.FinishRegistration(w, c.Session, r)
	if err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "The passkey could not be registered: %s", protocolMessage(err))
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	return p.DB.AddPasskey(ctx, u.ID, cred.ID, c.Name, raw)
}

// BeginLogin returns request options for u's passkeys (second factor).
func (p *Passkeys) BeginLogin(ctx context.Context, u *helpdesk.User, next string) (any, []byte, error) {
	w, err := p.user(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	if len(w.creds) == 0 {
		return nil, nil, helpdesk.Errorf(helpdesk.EINVALID, "No passkey is registered.")
	}
	opts, sess, err := p.WA.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	data, err := json.Marshal(ceremony{Session: *sess, Next: next})
	return opts, data, err
}

// BeginDiscoverable returns request options for a sign-in with a passkey
// alone: the browser offers the person's passkeys for this site, and
// user verification (PIN, fingerprint) is required.
func (p *Passkeys) BeginDiscoverable(next string) (any, []byte, error) {
	opts, sess, err := p.WA.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	data, err := json.Marshal(ceremony{Session: *sess, Next: next})
	return opts, data, err
}

// FinishLogin checks an assertion. With u set (second factor) it must be
// one of u's passkeys; without, the credential names its owner, who must
// be active. It returns the person and the flow's next page.
func (p *Passkeys) FinishLogin(ctx context.Context, u *helpdesk.User, flowData []byte, r *http.Request) (_ *helpdesk.User, _ string, err error) {
	defer helpdesk.WrapOp(&err, "passkey sign-in")
	var c ceremony
	if err := json.Unmarshal(flowData, &c); err != nil {
		return nil, "", err
	}
	refused := func(err error) error {
		return helpdesk.Errorf(helpdesk.EUNAUTH, "That passkey did not work here: %s", protocolMessage(err))
	}
	var cred *webauthn.Credential
	if u != nil {
		w, werr := p.user(ctx, u)
		if werr != nil {
			return nil, "", werr
		}
		if cred, err = p.WA.FinishLogin(w, c.Session, r); err != nil {
			return nil, "", refused(err)
		}
	} else {
		cred, err = p.WA.FinishDiscoverableLogin(func(rawID, handle []byte) (webauthn.User, error) {
			owner, err := p.DB.PasskeyOwner(ctx, rawID)
			if err != nil || !bytes.Equal(handle, userHandle(owner)) {
				return nil, fmt.Errorf("unknown passkey")
			}
			if u, err = p.DB.ActiveUser(ctx, owner); err != nil {
				return nil, fmt.Errorf("no active account")
			}
			return p.user(ctx, u)
		}, c.Session, r)
		if err != nil {
			return nil, "", refused(err)
		}
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, "", err
	}
	if err := p.DB.UsePasskey(ctx, cred.ID, raw); err != nil {
		return nil, "", err
	}
	return u, c.Next, nil
}

// protocolMessage is the library's short reason, for the person to see.
func protocolMessage(err error) string {
	var pe *protocol.Error
	if ok := errorAs(err, &pe); ok && pe.Details != "" {
		return pe.Details
	}
	return "it was refused."
}

func errorAs(err error, target **protocol.Error) bool { return errors.As(err, target) }
