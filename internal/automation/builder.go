package automation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
)

// The rule form's row builder: a few rows of "field, operator, value" and
// "action, value" that write the condition expression and the actions
// list for the common cases, so a lead need not learn expr to write
// "priority is P1 and subject contains printer". The result lands in the
// form's condition and actions fields, where it is checked like typed
// text when the rule is saved.

// BuilderFields are the fields a condition row offers, with how they
// compare: "text" (is, is not, contains), "number" (at least, below),
// "list" (has).
var BuilderFields = []struct{ Name, Kind string }{
	{"ticket.subject", "text"}, {"ticket.text", "text"}, {"ticket.status", "text"}, {"ticket.priority", "text"},
	{"ticket.category", "text"}, {"ticket.team", "text"}, {"ticket.assignee", "text"}, {"ticket.requester", "text"},
	{"ticket.source", "text"}, {"ticket.tags", "list"}, {"ticket.idle_business_days", "number"},
	{"ticket.age_business_days", "number"}, {"ticket.idle_hours", "number"}, {"change.status.to", "text"},
	{"message.source", "text"},
}

// BuilderOps are a condition row's operators.
var BuilderOps = []struct{ Name, Label string }{
	{"==", "is"}, {"!=", "is not"}, {"contains", "contains"}, {">=", "at least"}, {"<", "below"}, {"has", "has"},
}

// BuilderActions are the actions an action row offers.
var BuilderActions = []struct{ Name, Label string }{
	{"set:status", "set status to"}, {"set:priority", "set priority to"}, {"set:category", "set category to"},
	{"set:team", "set team to"}, {"set:assignee", "assign to (email)"}, {"add_tag", "add tag"},
	{"add_participant", "add participant (email)"}, {"note", "add internal note"}, {"notify_chat", "notify chat channel"},
}

// CondRow is one condition row as posted.
type CondRow struct{ Field, Op, Value string }

// ActionRow is one action row as posted.
type ActionRow struct{ Type, Value string }

// BuildCondition joins the filled rows with && into an expression; rows
// with no field are skipped. A row that does not fit its field's kind is
// EINVALID on "builder".
func BuildCondition(rows []CondRow) (string, error) {
	var parts []string
	for i, r := range rows {
		if r.Field == "" {
			continue
		}
		kind := ""
		for _, f := range BuilderFields {
			if f.Name == r.Field {
				kind = f.Kind
			}
		}
		v := strings.TrimSpace(r.Value)
		bad := func(msg string) error { return helpdesk.Invalid("builder", fmt.Sprintf("Row %d: %s", i+1, msg)) }
		switch kind {
		case "":
			return "", bad("choose a field from the list.")
		case "list":
			if r.Op != "has" {
				return "", bad(r.Field + " is a list: use \"has\".")
			}
			parts = append(parts, fmt.Sprintf("%s in %s", strconv.Quote(v), r.Field))
		case "number":
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return "", bad(r.Field + " is a number: write one, e.g. 3.")
			}
			if r.Op != ">=" && r.Op != "<" && r.Op != "==" && r.Op != "!=" {
				return "", bad("compare a number with at least, below, is or is not.")
			}
			parts = append(parts, fmt.Sprintf("%s %s %s", r.Field, r.Op, v))
		default:
			if !slices.Contains([]string{"==", "!=", "contains"}, r.Op) {
				return "", bad("compare text with is, is not or contains.")
			}
			parts = append(parts, fmt.Sprintf("%s %s %s", r.Field, r.Op, strconv.Quote(v)))
		}
	}
	return strings.Join(parts, " && "), nil
}

// BuildActions turns the filled action rows into actions; rows with no
// action are skipped. The values are checked when the rule is saved.
func BuildActions(rows []ActionRow) ([]helpdesk.RuleAction, error) {
	var out []helpdesk.RuleAction
	for i, r := range rows {
		if r.Type == "" {
			continue
		}
		v := strings.TrimSpace(r.Value)
		var a helpdesk.RuleAction
		switch t, field, _ := strings.Cut(r.Type, ":"); t {
		case helpdesk.ActionSet:
			a = helpdesk.RuleAction{Type: t, Field: field, Value: v}
		case helpdesk.ActionAddTag:
			a = helpdesk.RuleAction{Type: t, Tag: v}
		case helpdesk.ActionAddParticip:
			a = helpdesk.RuleAction{Type: t, Email: v}
		case helpdesk.ActionNote:
			a = helpdesk.RuleAction{Type: t, Body: v}
		case helpdesk.ActionNotifyChat:
			a = helpdesk.RuleAction{Type: t, Channel: v}
		default:
			return nil, helpdesk.Invalid("builder", fmt.Sprintf("Action row %d: choose an action from the list.", i+1))
		}
		out = append(out, a)
	}
	return out, nil
}
