package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// fieldOrder is the order ticket.Service.ApplyTx writes fields in; a plan
// lists its changes in the same order so a dry-run reads like the run.
var fieldOrder = []string{"priority", "category", "team", "assignee", "status"}

// current is a ticket field's value as rules and the audit trail name it.
func current(t *postgres.RuleTicket, field string) string {
	switch field {
	case "status":
		return string(t.Status)
	case "priority":
		return string(t.Priority)
	case "category":
		return t.CategoryName
	case "team":
		return t.TeamSlug
	case "assignee":
		return t.AssigneeEmail
	}
	return ""
}

// jsonValue is a field value as a run stores it: null when empty.
func jsonValue(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(s)
	return b
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	switch v := v.(type) {
	case *string:
		if v == nil {
			return json.RawMessage("null")
		}
		return jsonValue(*v)
	case string:
		return jsonValue(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// setValues folds a rule's set actions into one value per field (the last
// wins, as it would if they ran one after another).
func setValues(r *helpdesk.Rule) map[string]string {
	out := map[string]string{}
	for _, a := range r.Actions {
		if a.Type == helpdesk.ActionSet {
			out[a.Field] = a.Value
		}
	}
	return out
}

// Plan is what a rule would do to one ticket: field changes with before
// and after, the messages and child tickets it would add (as changes with an
// empty before), and its external calls.
type Plan struct {
	Ticket  int64
	Changes []helpdesk.RunChange
	Actions []helpdesk.RunResult // webhooks and chat messages it would send
}

// plan computes what r would do to t, writing nothing. It is the same
// arithmetic apply performs, so a dry-run lists what a run then writes.
func plan(r *helpdesk.Rule, t *postgres.RuleTicket) Plan {
	p := Plan{Ticket: t.Number}
	sets := setValues(r)
	for _, f := range fieldOrder {
		v, ok := sets[f]
		if !ok || v == current(t, f) {
			continue
		}
		p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: f,
			Before: jsonValue(current(t, f)), After: jsonValue(v)})
	}
	for _, a := range r.Actions {
		switch a.Type {
		case helpdesk.ActionNote:
			p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: "note",
				Before: rawJSON(nil), After: jsonValue(a.Body)})
		case helpdesk.ActionReply:
			p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: "reply",
				Before: rawJSON(nil), After: jsonValue(a.Canned)})
		case helpdesk.ActionCreateChild:
			p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: "child",
				Before: rawJSON(nil), After: rawJSON(map[string]any{"subject": a.Subject})})
		case helpdesk.ActionAddTag:
			if !slices.Contains(t.Tags, a.Tag) && !planned(p.Changes, "tag", a.Tag) {
				p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: "tag",
					Before: rawJSON(nil), After: jsonValue(a.Tag)})
			}
		case helpdesk.ActionAddParticip:
			if !slices.Contains(t.Participants, a.Email) && !strings.EqualFold(a.Email, t.RequesterEmail) &&
				!planned(p.Changes, "participant", a.Email) {
				p.Changes = append(p.Changes, helpdesk.RunChange{Ticket: t.Number, Field: "participant",
					Before: rawJSON(nil), After: jsonValue(a.Email)})
			}
		case helpdesk.ActionWebhook:
			p.Actions = append(p.Actions, helpdesk.RunResult{Ticket: t.Number, Action: a.Type, Result: "would POST to " + a.URL})
		case helpdesk.ActionNotifyChat:
			p.Actions = append(p.Actions, helpdesk.RunResult{Ticket: t.Number, Action: a.Type, Result: "would post to " + a.Channel})
		}
	}
	return p
}

// Empty reports whether the plan does nothing.
func (p Plan) Empty() bool { return len(p.Changes) == 0 && len(p.Actions) == 0 }

// apply performs r's actions on t inside tx for run runID, recording every
// change; it returns the run's external results.
func (s *Service) apply(ctx context.Context, tx *postgres.Tx, r *helpdesk.Rule, t *postgres.RuleTicket,
	runID int64, reason string) (changed int, results []helpdesk.RunResult, err error) {
	sets := setValues(r)
	if len(sets) > 0 {
		c := ticket.Changes{Reason: reason}
		for f, v := range sets {
			switch f {
			case "status":
				st := helpdesk.Status(v)
				c.Status = &st
			case "priority":
				p := helpdesk.Priority(v)
				c.Priority = &p
			case "category":
				c.Category = &v
			case "team":
				c.Team = &v
			case "assignee":
				c.Assignee = &v
			}
		}
		fcs, err := s.Tickets.ApplyTx(ctx, tx, &t.Ticket, c)
		if err != nil {
			return 0, nil, fmt.Errorf("set fields: %w", err)
		}
		for _, fc := range fcs {
			if err := tx.InsertRunChange(ctx, runID, t.ID, fc.Field, rawJSON(fc.Before), rawJSON(fc.After)); err != nil {
				return 0, nil, err
			}
			changed++
		}
	}
	for _, a := range r.Actions {
		res, n, err := s.applyOther(ctx, tx, r, t, a, runID, reason)
		if err != nil {
			return 0, nil, fmt.Errorf("%s action: %w", a.Type, err)
		}
		changed += n
		if res != "" {
			rr := helpdesk.RunResult{Ticket: t.Number, Action: a.Type, Result: res}
			switch a.Type {
			case helpdesk.ActionNotifyChat:
				rr.Channel, rr.Status = a.Channel, "pending"
			case helpdesk.ActionWebhook:
				rr.Status = "pending"
				// applyOther names the delivery it queued first in its text.
				_, _ = fmt.Sscanf(res, "delivery #%d", &rr.DeliveryID)
			}
			results = append(results, rr)
		}
	}
	return changed, results, nil
}

// applyOther performs one action that is not a field change.
func (s *Service) applyOther(ctx context.Context, tx *postgres.Tx, r *helpdesk.Rule, t *postgres.RuleTicket,
	a helpdesk.RuleAction, runID int64, reason string) (result string, changes int, err error) {
	switch a.Type {
	case helpdesk.ActionNote:
		m, err := s.Tickets.MessageTx(ctx, tx, &t.Ticket, nil, a.Body, true, reason)
		if err != nil {
			return "", 0, err
		}
		return "", 1, tx.InsertRunChange(ctx, runID, t.ID, "note", nil, map[string]any{"message_id": m.ID, "body": a.Body})
	case helpdesk.ActionReply:
		return s.reply(ctx, tx, r, t, a, runID, reason)
	case helpdesk.ActionCreateChild:
		child, err := s.Tickets.CreateChildTx(ctx, tx, &t.Ticket, a.Subject, "", reason)
		if err != nil {
			return "", 0, err
		}
		return fmt.Sprintf("created child ticket #%d", child.Number), 1,
			tx.InsertRunChange(ctx, runID, t.ID, "child", nil, map[string]any{"number": child.Number, "subject": a.Subject})
	case helpdesk.ActionNotifyChat:
		if s.Jobs == nil {
			return "not sent: no job queue", 0, nil
		}
		text := fmt.Sprintf("#%d %s (%s, %s) — %s", t.Number, t.Subject, t.Priority, t.Status, reason)
		if _, err := s.Jobs.InsertTx(ctx, tx, jobs.ChatNotifyArgs{Channel: a.Channel, Text: text, TicketID: t.ID,
			Number: t.Number, RunID: runID}, nil); err != nil {
			return "", 0, err
		}
		return "queued to chat " + a.Channel, 0, nil
	case helpdesk.ActionAddTag:
		return s.addTag(ctx, tx, t, a.Tag, runID, reason)
	case helpdesk.ActionAddParticip:
		return s.addParticipant(ctx, tx, t, a.Email, runID, reason)
	case helpdesk.ActionWebhook:
		id, err := s.queueDelivery(ctx, tx, nil, &runID, a.URL, "rule.webhook", map[string]any{
			"rule": map[string]any{"id": r.ID, "name": r.Name, "version": r.Version}, "run": runID,
			"ticket": TicketPayload(t)})
		if err != nil {
			return "", 0, err
		}
		return fmt.Sprintf("delivery #%d queued to %s", id, a.URL), 0, nil
	}
	return "", 0, nil
}

// reply sends a canned reply as the rule's owner, so it is mailed to the
// requester as any staff reply is and carries a person's name.
func (s *Service) reply(ctx context.Context, tx *postgres.Tx, r *helpdesk.Rule, t *postgres.RuleTicket,
	a helpdesk.RuleAction, runID int64, reason string) (string, int, error) {
	c, err := s.cannedByName(ctx, a.Canned)
	if err != nil {
		return "", 0, err
	}
	if r.CreatedBy == nil {
		return "", 0, helpdesk.Errorf(helpdesk.EINVALID, "The rule has no owner to send its reply as.")
	}
	owner, err := s.DB.User(ctx, *r.CreatedBy)
	if err != nil {
		return "", 0, err
	}
	if !owner.IsStaff() || !owner.Active {
		return "", 0, helpdesk.Errorf(helpdesk.EINVALID, "The rule's owner %s can no longer send replies.", owner.Email)
	}
	body := ticket.FillCanned(c.Body, &t.Ticket, owner)
	m, err := s.Tickets.MessageTx(ctx, tx, &t.Ticket, owner, body, false, reason)
	if err != nil {
		return "", 0, err
	}
	if err := tx.InsertRunChange(ctx, runID, t.ID, "reply", nil, map[string]any{"message_id": m.ID, "canned": c.Title}); err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("reply %q sent as %s", c.Title, owner.Email), 1, nil
}

// TicketPayload is a ticket in webhook payloads: the API's ticket JSON
// fields.
func TicketPayload(t *postgres.RuleTicket) map[string]any {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{"number": t.Number, "subject": t.Subject, "status": t.Status, "priority": t.Priority,
		"impact": t.Impact, "urgency": t.Urgency, "category": opt(t.CategoryName), "team": opt(t.TeamSlug),
		"assignee": opt(t.AssigneeEmail), "requester": t.RequesterEmail, "created_at": t.CreatedAt.UTC(),
		"updated_at": t.UpdatedAt.UTC()}
}

// queueDelivery stores a webhook delivery and enqueues its job in tx.
func (s *Service) queueDelivery(ctx context.Context, tx *postgres.Tx, hookID, runID *int64, url, event string,
	data map[string]any) (int64, error) {
	payload, err := json.Marshal(map[string]any{"event": event, "sent_at": s.now().UTC().Format(time.RFC3339), "data": data})
	if err != nil {
		return 0, err
	}
	id, err := tx.InsertDelivery(ctx, postgres.NewDelivery{WebhookID: hookID, RunID: runID, URL: url, Event: event, Payload: payload})
	if err != nil {
		return 0, err
	}
	if s.Jobs != nil {
		if _, err := s.Jobs.InsertTx(ctx, tx, jobs.WebhookDeliveryArgs{DeliveryID: id}, nil); err != nil {
			return 0, err
		}
	}
	return id, nil
}
