package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"switchboard/internal/helpdesk"
)

// DeskTab is one view link on the dashboard with its count.
type DeskTab struct {
	Key, Label, Href, Count string
	Current                 bool
}

// DeskFilter is the dashboard's query string, decoded.
type DeskFilter struct {
	View, Team, Category, Assignee, Requester, Q, Sort string
	Statuses, Priorities                               []string
}

// Values encodes the filter back into a query string, so links keep it.
func (f DeskFilter) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("view", f.View)
	set("team", f.Team)
	set("category", f.Category)
	set("assignee", f.Assignee)
	set("requester", f.Requester)
	set("q", f.Q)
	set("sort", f.Sort)
	for _, s := range f.Statuses {
		v.Add("status", s)
	}
	for _, p := range f.Priorities {
		v.Add("priority", p)
	}
	return v
}

// DeskRow is one ticket line.
type DeskRow struct {
	*helpdesk.Ticket        // shared with the query's page, not copied
	SubjectHit       string // with highlight marks, or ""
	Snippet          string // with highlight marks, or ""
}

// Option is a value and a label for a select.
type Option struct{ Value, Label string }

// DeskPage is the dashboard's view model.
type DeskPage struct {
	Page       Page
	Tabs       []DeskTab
	CountsHref string
	ListHref   string // the list fragment for live refresh
	Filter     DeskFilter
	Rows       []DeskRow
	NextHref   string
	FirstHref  string
	Capped     bool
	Teams      Options
	Categories Options
	Staff      Options
	Now        time.Time
}

// priorityBadge is a priority's badge class, spelled out so that 50 rows
// do not build 50 strings.
func priorityBadge(p helpdesk.Priority) string {
	switch p {
	case helpdesk.P1:
		return "badge P1"
	case helpdesk.P2:
		return "badge P2"
	case helpdesk.P3:
		return "badge P3"
	case helpdesk.P4:
		return "badge P4"
	}
	return "badge " + string(p)
}

// Options is a choice list with its markup for "nothing selected", made
// once by NewOptions. The dashboard carries the staff list twice and the
// team and category lists once, the same bytes on every page and every live
// refresh; escaping them again was a tenth of the page's render time.
type Options struct {
	List  []Option
	plain string // OptionList(List, "")
}

// NewOptions renders list's markup for "nothing selected" once.
func NewOptions(list []Option) Options {
	var b strings.Builder
	_ = OptionList(list, "").Render(context.Background(), &b) // a Builder does not fail
	return Options{List: list, plain: b.String()}
}

// Select is OptionList(o.List, selected), from the markup made once when
// nothing is selected.
func (o Options) Select(selected string) templ.Component {
	if selected != "" || (o.plain == "" && len(o.List) > 0) { // a bare Options{List: ...}
		return OptionList(o.List, selected)
	}
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, o.plain)
		return err
	})
}

// OptionList is the <option> elements of a select, value and label escaped,
// the one equal to selected marked. Written directly: staff lists run to
// hundreds of options, and the dashboard carries two of them.
func OptionList(opts []Option, selected string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		rw := newHTMLWriter(w)
		defer rw.release()
		for _, o := range opts {
			mark := `">`
			if o.Value == selected {
				mark = `" selected>`
			}
			rw.raw(`<option value="`)
			rw.text(o.Value)
			rw.raw(mark)
			rw.text(o.Label)
			rw.raw(`</option>`)
		}
		return rw.flush()
	})
}

// DueText says when a deadline falls, relative to now, and its badge class.
func DueText(due *time.Time, now time.Time, open bool) (string, string) {
	text, cls := appendDue(nil, due, now, open)
	return string(text), cls
}

// appendDue appends DueText's text to b and returns its class; the queue
// rows append it in place (see htmlWriter.due).
func appendDue(b []byte, due *time.Time, now time.Time, open bool) ([]byte, string) {
	if due == nil || !open {
		return append(b, "—"...), ""
	}
	d := due.Sub(now)
	if d < 0 {
		return append(appendShort(append(b, "breached "...), -d), " ago"...), "badge breached"
	}
	cls := "badge"
	if d <= 2*time.Hour {
		cls = "badge risk"
	}
	return appendShort(append(b, "in "...), d), cls
}

// appendShort appends d in short form ("45m", "3h 5m", "4d") to b.
func appendShort(b []byte, d time.Duration) []byte {
	switch {
	case d < time.Hour:
		return append(strconv.AppendInt(b, int64(d.Minutes()), 10), 'm')
	case d < 48*time.Hour:
		b = append(strconv.AppendInt(b, int64(d.Hours()), 10), "h "...)
		return append(strconv.AppendInt(b, int64(d.Minutes())%60, 10), 'm')
	}
	return append(strconv.AppendInt(b, int64(d.Hours()/24), 10), 'd')
}

// TimelineItem is a message or an event, in time order.
type TimelineItem struct {
	At      time.Time
	Message *MessageView
	Event   *EventView
}

// EventView is an audit entry made readable.
type EventView struct {
	Actor   string
	Summary string
	Details []string
	Reason  string
}

// Child is a ticket linked under an incident.
type Child struct {
	Number  int64
	Subject string
	Status  helpdesk.Status
}

// PresenceRow is a colleague on the same ticket.
type PresenceRow struct {
	Name     string
	Replying bool
}

// CannedOption is a canned reply with its placeholders filled for a ticket.
type CannedOption struct {
	ID          int64
	Title, Body string
}

// DeskTicketPage is the ticket workspace's view model.
type DeskTicketPage struct {
	Page     Page
	T        *helpdesk.Ticket
	Timeline []TimelineItem
	Children []Child
	// Tags are the ticket's labels, added by rules (add_tag).
	Tags []string
	// ParentNumber is the incident this ticket belongs to, 0 for none.
	ParentNumber int64
	Others       []PresenceRow
	Canned       []CannedOption
	Teams        []Option
	Categories   []Option
	Staff        []Option
	Now          time.Time
	// Form state after a failed post (422) or a chosen canned reply.
	Body     string
	Internal bool
	Errors   map[string]string
	// OfferChildren: the incident was just resolved and has open children.
	OfferChildren bool
	// Articles are knowledge-base articles matching the subject.
	Articles []ArticleLink
	// Phish is the analysis of a phishing report; Campaign the reports and
	// indicators of a phishing campaign's incident. Nil on other tickets.
	Phish    *PhishPanel
	Campaign *PhishCampaignPanel
}

// ArticleLink is a suggested article in the workspace, with the Markdown
// link "Insert link" adds to the reply.
type ArticleLink struct {
	ID        int64
	Title     string
	Markdown  string
	StaffOnly bool
}

// BuildTimeline merges messages and events into one list, oldest first.
// "replied" and "noted" events are left out: the message itself shows them.
func BuildTimeline(msgs []MessageView, events []helpdesk.Event) []TimelineItem {
	out := make([]TimelineItem, 0, len(msgs)+len(events))
	for i := range msgs {
		out = append(out, TimelineItem{At: msgs[i].CreatedAt, Message: &msgs[i]})
	}
	for _, e := range events {
		if e.Kind == helpdesk.EventReplied || e.Kind == helpdesk.EventNoted {
			continue
		}
		ev := DescribeEvent(e)
		out = append(out, TimelineItem{At: e.CreatedAt, Event: &ev})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// DescribeEvent turns an audit entry into a sentence and details. The
// triage explanation (a Decision in "after") lists the chosen agent, the
// scoring parts and every rejected candidate with its reason.
func DescribeEvent(e helpdesk.Event) EventView {
	v := EventView{Actor: e.ActorName, Reason: e.Reason}
	if v.Actor == "" {
		v.Actor = "Switchboard"
	}
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	switch e.Kind {
	case helpdesk.EventCreated:
		v.Summary = "created the ticket"
	case helpdesk.EventTriaged:
		v.Summary = "triaged the ticket"
		if s, ok := after["explanation"].(string); ok && s != "" {
			v.Details = append(v.Details, s)
		}
		if s, ok := after["agent_name"].(string); ok && s != "" {
			v.Details = append(v.Details, "Chosen: "+s)
		}
		if parts, ok := after["parts"].(map[string]any); ok {
			var ps []string
			for _, k := range slices.Sorted(maps.Keys(parts)) {
				ps = append(ps, fmt.Sprintf("%s %v", k, parts[k]))
			}
			v.Details = append(v.Details, "Score: "+strings.Join(ps, ", "))
		}
		if rej, ok := after["rejected"].([]any); ok {
			for _, r := range rej {
				v.Details = append(v.Details, "Not chosen: "+flat(r))
			}
		}
	case helpdesk.EventMerged:
		if n, ok := after["merged_into"]; ok {
			v.Summary = fmt.Sprintf("merged this ticket into #%v", n)
		} else {
			v.Summary = fmt.Sprintf("merged #%v into this ticket", after["merged_from"])
		}
	case helpdesk.EventLateParent:
		v.Summary = fmt.Sprintf("added the earlier mail from %v, which arrived after its replies", after["from"])
	case helpdesk.EventLinked:
		switch {
		case after["child"] != nil:
			v.Summary = fmt.Sprintf("linked #%v to this incident", after["child"])
		case after["parent"] != nil:
			v.Summary = fmt.Sprintf("made this ticket part of incident #%v", after["parent"])
		default:
			v.Summary = "removed the incident link"
		}
	default:
		v.Summary = strings.ReplaceAll(e.Kind, "_", " ")
		for _, k := range slices.Sorted(maps.Keys(after)) {
			v.Details = append(v.Details, fmt.Sprintf("%s: %s → %s", k, flat(before[k]), flat(after[k])))
		}
	}
	return v
}

// flat renders a JSON value compactly for people.
func flat(x any) string {
	switch t := x.(type) {
	case nil:
		return "none"
	case string:
		return t
	case map[string]any:
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(t)) {
			ps = append(ps, k+": "+flat(t[k]))
		}
		return strings.Join(ps, ", ")
	}
	return fmt.Sprint(x)
}

// CannedForm is the canned reply editor's view model.
type CannedForm struct {
	Page    Page
	Replies []CannedRow
	Teams   []Option
	Edit    CannedRow
	Errors  map[string]string
	CanEdit bool
}

// CannedRow is one canned reply in the list or the editor.
type CannedRow struct {
	ID       int64
	Team     string // team id as text, "" for every team
	TeamName string
	Title    string
	Body     string
}
