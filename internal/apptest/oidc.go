package apptest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Provider is a real OpenID Provider (zitadel/oidc's certified op package
// with its example login page and in-memory storage) on loopback, with
// knobs to misbehave: ID tokens for another audience, already expired, and
// a signing-key rotation.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	store        *opStorage
}

// ProviderUser is a person at the provider; they sign in there with
// Username and ProviderPassword.
type ProviderUser struct {
	Username, Email, First, Last string
	Groups                       []string
}

// ProviderPassword is every provider user's password.
const ProviderPassword = "provider-secret-1"

// NewProvider starts a provider for a client with redirectURL; it stops at
// test end.
func NewProvider(t testing.TB, redirectURL string, users ...ProviderUser) *Provider {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String()
	us := &opUsers{byID: map[string]*storage.User{}, groups: map[string][]string{}}
	for i, u := range users {
		id := "u" + strconv.Itoa(i+1)
		us.byID[id] = &storage.User{ID: id, Username: u.Username, Password: ProviderPassword, FirstName: u.First, LastName: u.Last,
			Email: u.Email, EmailVerified: true, PreferredLanguage: language.English}
		us.groups[id] = u.Groups
	}
	p := &Provider{Issuer: issuer, ClientID: "switchboard", ClientSecret: "client-secret-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	clients := map[string]*storage.Client{p.ClientID: storage.WebClient(p.ClientID, p.ClientSecret, redirectURL)}
	st := &opStorage{Storage: storage.NewStorageWithClients(us, clients), users: us}
	if err := st.Rotate(); err != nil {
		t.Fatal(err)
	}
	p.store = st
	ts.Config.Handler = st.wrongAudience(exampleop.SetupServer(issuer, st, nil, false))
	ts.Start()
	t.Cleanup(ts.Close)
	return p
}

// WrongAudience makes the next ID tokens name another client as audience.
func (p *Provider) WrongAudience(on bool) { p.store.wrongAud.Store(on) }

// Expired makes the next ID tokens expire before they are issued.
func (p *Provider) Expired(on bool) { p.store.expired.Store(on) }

// Rotate replaces the signing key: new tokens carry a new key id, and the
// old key is no longer published.
func (p *Provider) Rotate() error { return p.store.Rotate() }

// KeyID is the current signing key's id.
func (p *Provider) KeyID() string { return p.store.key().id }

type opUsers struct {
	byID   map[string]*storage.User
	groups map[string][]string
}

func (u *opUsers) GetUserByID(id string) *storage.User { return u.byID[id] }
func (u *opUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u.byID {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u *opUsers) ExampleClientID() string { return "service" }

// opStorage is the example storage with the knobs above.
type opStorage struct {
	*storage.Storage
	users    *opUsers
	wrongAud atomic.Bool
	expired  atomic.Bool
	mu       sync.Mutex
	cur      *rsaKey
}

type rsaKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *rsaKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *rsaKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k *rsaKey) ID() string                                  { return k.id }
func (k *rsaKey) Use() string                                 { return "sig" }

type signing struct{ *rsaKey }

func (s signing) Key() any { return s.key }

type public struct{ *rsaKey }

func (p public) Key() any { return &p.key.PublicKey }

func (s *opStorage) Rotate() error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = &rsaKey{id: "key-" + strconv.FormatInt(time.Now().UnixNano(), 36), key: k}
	return nil
}

func (s *opStorage) key() *rsaKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) { return signing{s.key()}, nil }
func (s *opStorage) KeySet(context.Context) ([]op.Key, error)          { return []op.Key{public{s.key()}}, nil }
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// GetClientByClientID puts userinfo claims (email, name, groups) into the
// ID token, as most providers do for web clients, and applies Expired.
func (s *opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &opClient{Client: c, s: s}, nil
}

type opClient struct {
	op.Client
	s *opStorage
}

func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *opClient) IDTokenLifetime() time.Duration {
	if c.s.expired.Load() {
		return -10 * time.Minute
	}
	return c.Client.IDTokenLifetime()
}

// SetUserinfoFromScopes adds the groups claim.
func (s *opStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	if g := s.users.groups[userID]; len(g) > 0 {
		ui.AppendClaims("groups", g)
	}
	return nil
}

// wrongAudience answers the token endpoint as the provider would for
// another client: the ID token, validly signed with the current key and
// with the right nonce, names "another-application" as its audience.
func (s *opStorage) wrongAudience(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" || !s.wrongAud.Load() {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := map[string]any{}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil {
			if raw, ok := body["id_token"].(string); ok {
				if t, err := s.resign(raw); err == nil {
					body["id_token"] = t
				}
			}
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

func (s *opStorage) resign(raw string) (string, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", err
	}
	claims := map[string]any{}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "", err
	}
	claims["aud"] = []string{"another-application"}
	claims["azp"] = "another-application"
	claims["client_id"] = "another-application"
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	k := s.key()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	signed, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return signed.CompactSerialize()
}
