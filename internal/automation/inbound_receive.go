package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// pointer reads the value at a JSON Pointer (RFC 6901) in doc as text:
// strings as they are, numbers and booleans written out, anything else
// (objects, arrays, null, missing) as "".
func pointer(doc any, p string) string {
	if p == "" {
		return ""
	}
	cur := doc
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return ""
			}
			cur = c[i]
		default:
			return ""
		}
	}
	switch v := cur.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// translate maps a caller's value through the mapping's values for field
// (unknown values pass as they are, lower-cased, and are checked after).
func translate(m *helpdesk.InboundMapping, field, v string) string {
	if v == "" {
		return ""
	}
	if to, ok := m.Values[field][v]; ok {
		return to
	}
	return strings.ToLower(v)
}

// Receive handles one call of an inbound webhook: token checked (EUNAUTH
// otherwise), the JSON read through the mapping, then either the ticket
// the same external id opened before is updated (mapped status or
// priority set, the mapped comment added) or a new ticket is filed. An
// Idempotency-Key seen before returns the first answer and changes
// nothing. The change and the key's record commit together.
func (s *Service) Receive(ctx context.Context, hookID int64, token, idemKey string, body []byte) (*helpdesk.InboundResult, error) {
	h, err := s.authInbound(ctx, hookID, token)
	if err != nil {
		return nil, err
	}
	if len(idemKey) > maxIdemKey {
		return nil, helpdesk.Invalid("Idempotency-Key", fmt.Sprintf("At most %d characters.", maxIdemKey))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, helpdesk.Invalid("body", "The body is not JSON: "+err.Error())
	}
	m := &h.Mapping
	if idemKey != "" {
		if out, err := s.replay(ctx, h, idemKey); err != nil || out != nil {
			return out, err
		}
	}
	ext := pointer(doc, m.ExternalID)
	if ext != "" {
		res, err := s.inboundUpdate(ctx, h, doc, ext, idemKey)
		if err != nil || res != nil {
			return s.replayOnConflict(ctx, h, idemKey, res, err)
		}
	}
	res, err := s.inboundCreate(ctx, h, doc, ext, idemKey)
	return s.replayOnConflict(ctx, h, idemKey, res, err)
}

// replayOnConflict answers a call that lost a race with a concurrent one
// carrying the same Idempotency-Key with that call's answer.
func (s *Service) replayOnConflict(ctx context.Context, h *helpdesk.InboundHook, idemKey string, res *helpdesk.InboundResult,
	err error) (*helpdesk.InboundResult, error) {
	if helpdesk.ErrorCode(err) != helpdesk.ECONFLICT || idemKey == "" {
		return res, err
	}
	out, rerr := s.replay(ctx, h, idemKey)
	if rerr != nil || out == nil {
		return nil, err
	}
	return out, nil
}

// replay is the first answer to an Idempotency-Key seen before, or nil for
// a new key.
func (s *Service) replay(ctx context.Context, h *helpdesk.InboundHook, idemKey string) (*helpdesk.InboundResult, error) {
	var out *helpdesk.InboundResult
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		n, created, ok, err := tx.InboundReceipt(ctx, h.ID, idemKey)
		if ok {
			out = &helpdesk.InboundResult{Ticket: n, Created: created, Replayed: true}
		}
		return err
	})
	return out, err
}

// inboundUpdate updates the ticket ext opened, or returns nil when there
// is none.
func (s *Service) inboundUpdate(ctx context.Context, h *helpdesk.InboundHook, doc any, ext, idemKey string) (*helpdesk.InboundResult, error) {
	m := &h.Mapping
	var out *helpdesk.InboundResult
	reason := fmt.Sprintf("inbound webhook '%s' (external id %s)", h.Name, ext)
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		id, err := tx.InboundTicket(ctx, h.ID, ext)
		if err != nil || id == 0 {
			return err
		}
		t, err := tx.RuleTicket(ctx, id)
		if err != nil {
			return err
		}
		out = &helpdesk.InboundResult{Ticket: t.Number}
		var v helpdesk.Validation
		c := ticket.Changes{Reason: reason}
		if st := translate(m, "status", pointer(doc, m.Status)); st != "" {
			if s := helpdesk.Status(st); s.Valid() {
				c.Status = &s
			} else {
				v.Add("status", fmt.Sprintf("%q is not a status; map it under values.status.", st))
			}
		}
		if pr := translate(m, "priority", pointer(doc, m.Priority)); pr != "" {
			if p := helpdesk.Priority(strings.ToUpper(pr)); p.Valid() {
				c.Priority = &p
			} else {
				v.Add("priority", fmt.Sprintf("%q is not a priority; map it under values.priority.", pr))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		fcs, err := s.Tickets.ApplyTx(ctx, tx, &t.Ticket, c)
		if err != nil {
			return err
		}
		for _, fc := range fcs {
			out.Changed = append(out.Changed, fc.Field)
		}
		if body := pointer(doc, m.Comment); body != "" {
			author, err := tx.User(ctx, h.CreatedBy) // on tx: a second connection per call could starve the pool
			if err != nil {
				return err
			}
			if _, err := s.Tickets.MessageTx(ctx, tx, &t.Ticket, author, body, !m.CommentPublic, reason); err != nil {
				return err
			}
			out.Changed = append(out.Changed, "comment")
		}
		if idemKey != "" {
			if err := tx.InsertInboundReceipt(ctx, h.ID, idemKey, t.Number, false); err != nil {
				return err
			}
		}
		return tx.TouchInbound(ctx, h.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("inbound webhook %d update %s: %w", h.ID, ext, err)
	}
	return out, nil
}

// inboundCreate files a new ticket from the call. The requester is the
// user with the mapped email if one exists, else the hook's owner (an
// inbound call never creates accounts).
func (s *Service) inboundCreate(ctx context.Context, h *helpdesk.InboundHook, doc any, ext, idemKey string) (*helpdesk.InboundResult, error) {
	m := &h.Mapping
	owner, err := s.DB.User(ctx, h.CreatedBy)
	if err != nil {
		return nil, err
	}
	in := ticket.CreateInput{Subject: pointer(doc, m.Subject), Description: pointer(doc, m.Description),
		Impact:  helpdesk.Impact(translate(m, "impact", pointer(doc, m.Impact))),
		Urgency: helpdesk.Urgency(translate(m, "urgency", pointer(doc, m.Urgency))), Source: helpdesk.SourceAPI,
		TeamID: h.TeamID}
	if in.Subject == "" {
		return nil, helpdesk.Invalid("subject", fmt.Sprintf("The call has no subject at %s.", m.Subject))
	}
	if r := []rune(in.Subject); len(r) > ticket.MaxSubject {
		in.Subject = string(r[:ticket.MaxSubject]) // characters, not bytes: never half a character
	}
	if in.Description == "" {
		in.Description = in.Subject
	}
	if email := pointer(doc, m.RequesterEmail); email != "" {
		if u, err := s.DB.UserByEmail(ctx, email); err == nil && u.Active {
			in.RequesterID = u.ID
		}
	}
	var out helpdesk.InboundResult
	in.AfterInsert = func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
		out = helpdesk.InboundResult{Ticket: t.Number, Created: true}
		if ext != "" {
			if err := tx.InsertInboundTicket(ctx, h.ID, ext, t.ID); err != nil {
				return err
			}
		}
		if idemKey != "" {
			if err := tx.InsertInboundReceipt(ctx, h.ID, idemKey, t.Number, true); err != nil {
				return err
			}
		}
		return tx.TouchInbound(ctx, h.ID)
	}
	if _, err := s.Tickets.Create(ctx, owner, in); err != nil {
		return nil, fmt.Errorf("inbound webhook %d create: %w", h.ID, err)
	}
	return &out, nil
}
