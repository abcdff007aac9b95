package automation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// MaxInboundBody bounds an inbound call's JSON: an alert or an asset
// record, not a file upload. Larger calls are refused (413) unread.
const MaxInboundBody = 256 << 10

// maxIdemKey bounds the Idempotency-Key header.
const maxIdemKey = 200

// InboundInput is an inbound webhook as an admin writes it.
type InboundInput struct {
	Name    string
	Team    string // slug; empty: triage routes the tickets
	Mapping string // the mapping as JSON
}

// inboundTokenPrefix marks Switchboard inbound tokens, so a leaked one is
// recognisable (secret scanners, logs).
const inboundTokenPrefix = "sbin_"

func newInboundToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = inboundTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashInboundToken(token), nil
}

func hashInboundToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

func requireAdmin(actor *helpdesk.User) error {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return nil
}

// mappingFields are the mapping's pointers by field name, for validation.
func mappingFields(m *helpdesk.InboundMapping) map[string]string {
	return map[string]string{"external_id": m.ExternalID, "subject": m.Subject, "description": m.Description,
		"requester_email": m.RequesterEmail, "urgency": m.Urgency, "impact": m.Impact, "status": m.Status,
		"priority": m.Priority, "comment": m.Comment}
}

// parseMapping checks a mapping: JSON of the documented shape, pointers
// that start with "/", a subject, and translated values Switchboard knows.
func parseMapping(raw string) (helpdesk.InboundMapping, error) {
	var m helpdesk.InboundMapping
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, helpdesk.Invalid("mapping", "The mapping must be a JSON object such as "+
			`{"external_id": "/id", "subject": "/title", "comment": "/update"}: `+err.Error())
	}
	var bad []string
	for name, p := range mappingFields(&m) {
		if p != "" && !strings.HasPrefix(p, "/") {
			bad = append(bad, fmt.Sprintf("%s: %q is not a JSON Pointer (it starts with /)", name, p))
		}
	}
	if m.Subject == "" {
		bad = append(bad, `subject: say where the subject is ("subject": "/title")`)
	}
	for field, vals := range m.Values {
		for from, to := range vals {
			var ok bool
			switch field {
			case "urgency":
				ok = helpdesk.Urgency(to).Valid()
			case "impact":
				ok = helpdesk.Impact(to).Valid()
			case "status":
				ok = helpdesk.Status(to).Valid()
			case "priority":
				ok = helpdesk.Priority(to).Valid()
			default:
				bad = append(bad, fmt.Sprintf("values: %q cannot be translated (urgency, impact, status, priority can)", field))
				continue
			}
			if !ok {
				bad = append(bad, fmt.Sprintf("values.%s: %q -> %q is not a %s", field, from, to, field))
			}
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return m, helpdesk.Invalid("mapping", strings.Join(bad, "; ")+".")
	}
	return m, nil
}

// CreateInbound saves an inbound webhook and returns it with its token,
// shown this once (only its hash is kept). Admins only.
func (s *Service) CreateInbound(ctx context.Context, actor *helpdesk.User, in InboundInput) (*helpdesk.InboundHook, string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, "", err
	}
	var v helpdesk.Validation
	h := &helpdesk.InboundHook{Name: strings.TrimSpace(in.Name), Active: true, CreatedBy: actor.ID}
	if h.Name == "" {
		v.Add("name", "Name the integration.")
	}
	m, err := parseMapping(in.Mapping)
	if err != nil {
		for _, f := range helpdesk.FieldErrors(err) {
			v.Add(f.Field, f.Message)
		}
	}
	h.Mapping = m
	if slug := strings.TrimSpace(in.Team); slug != "" {
		t, err := s.DB.TeamBySlug(ctx, slug)
		if err == nil {
			h.TeamID, h.TeamSlug = &t.ID, t.Slug
		}
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			v.Add("team", "No such team.")
		} else if err != nil {
			return nil, "", err
		}
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	token, hash, err := newInboundToken()
	if err != nil {
		return nil, "", err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		id, err := tx.InsertInboundHook(ctx, h, hash)
		if err != nil {
			return err
		}
		h.ID = id
		return tx.Audit(ctx, &actor.ID, "inbound_webhook", fmt.Sprint(id), "create", nil,
			map[string]any{"name": h.Name, "team": h.TeamSlug, "mapping": h.Mapping})
	})
	if err != nil {
		return nil, "", fmt.Errorf("create inbound webhook: %w", err)
	}
	return h, token, nil
}

// RotateInbound gives a hook a new token; the old one stops working at
// once. Admins only.
func (s *Service) RotateInbound(ctx context.Context, actor *helpdesk.User, id int64) (string, error) {
	if err := requireAdmin(actor); err != nil {
		return "", err
	}
	token, hash, err := newInboundToken()
	if err != nil {
		return "", err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.RotateInboundToken(ctx, id, hash); err != nil {
			return err
		}
		return tx.Audit(ctx, &actor.ID, "inbound_webhook", fmt.Sprint(id), "rotate_token", nil, nil)
	})
	if err != nil {
		return "", fmt.Errorf("rotate inbound webhook %d: %w", id, err)
	}
	return token, nil
}

// SetInboundActive turns a hook on or off. Admins only.
func (s *Service) SetInboundActive(ctx context.Context, actor *helpdesk.User, id int64, active bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.SetInboundActive(ctx, id, active); err != nil {
			return err
		}
		return tx.Audit(ctx, &actor.ID, "inbound_webhook", fmt.Sprint(id), "set_active", nil, map[string]any{"active": active})
	})
}

// InboundHooks lists the inbound webhooks. Admins only.
func (s *Service) InboundHooks(ctx context.Context, actor *helpdesk.User) ([]helpdesk.InboundHook, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.DB.InboundHooks(ctx)
}

// authInbound finds the active hook the token belongs to; anything else
// (unknown hook, wrong token, hook turned off) is the same EUNAUTH, so the
// endpoint tells a caller without the token nothing.
func (s *Service) authInbound(ctx context.Context, id int64, token string) (*helpdesk.InboundHook, error) {
	h, hash, err := s.DB.InboundHook(ctx, id)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		hash, h = strings.Repeat("0", 64), nil
	} else if err != nil {
		return nil, err
	}
	got := hashInboundToken(token)
	if subtle.ConstantTimeCompare([]byte(got), []byte(hash)) != 1 || h == nil || !h.Active {
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Unknown inbound webhook or wrong token.")
	}
	return h, nil
}
