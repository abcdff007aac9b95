package incident

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident/detect"
)

// Evidence is an incident's root-cause material: its alerts, tickets and
// recent recorded changes on one timeline, the entities they share (and
// how many of the incident's tickets each item explains), and earlier
// incidents with the same entities.
type Evidence struct {
	Ticket    *helpdesk.Ticket
	Alerts    []helpdesk.Alert
	Timeline  []helpdesk.TimelineItem
	Entities  []string
	Past      []helpdesk.PastIncident
	Published *helpdesk.KnownIssue
}

// changesBefore is how far before an incident recorded changes are shown.
const changesBefore = 24 * time.Hour

// Evidence gathers an incident's evidence for staff.
func (svc *Service) Evidence(ctx context.Context, viewer *helpdesk.User, number int64) (*Evidence, error) {
	if !viewer.IsStaff() {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	t, err := svc.Tickets.Get(ctx, viewer, number)
	if err != nil {
		return nil, err
	}
	ev := &Evidence{Ticket: t}
	if ev.Alerts, err = svc.DB.Alerts(ctx, t.ID); err != nil {
		return nil, err
	}
	kids, err := svc.Tickets.Children(ctx, viewer, t)
	if err != nil {
		return nil, err
	}
	// Tickets: the incident and its children, with their entities.
	refs := []*helpdesk.Ticket{t}
	for _, k := range kids {
		c, err := svc.Tickets.Get(ctx, viewer, k.Number)
		if err != nil {
			return nil, err
		}
		refs = append(refs, c)
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	ents, err := svc.DB.TicketEntities(ctx, ids)
	if err != nil {
		return nil, err
	}
	// How many of the incident's tickets name each entity.
	count := map[string]int{}
	for _, r := range refs[1:] {
		for _, e := range ents[r.ID] {
			count[e.Kind+":"+e.Value]++
		}
	}
	for _, e := range ents[t.ID] {
		if count[e.Kind+":"+e.Value] == 0 {
			count[e.Kind+":"+e.Value] = 0
		}
	}
	for k := range count {
		ev.Entities = append(ev.Entities, k)
	}
	slices.SortFunc(ev.Entities, func(a, b string) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	shared := func(id int64) ([]string, int) {
		var out []string
		explains := 0
		for _, e := range ents[id] {
			k := e.Kind + ":" + e.Value
			if count[k] > 0 {
				out = append(out, k)
				explains = max(explains, count[k])
			}
		}
		return out, explains
	}
	for i, r := range refs {
		it := helpdesk.TimelineItem{At: r.CreatedAt, Kind: "ticket", Title: r.Subject, Number: r.Number,
			Detail: r.RequesterName + ", " + string(r.Status)}
		if i == 0 {
			it.Kind = "incident"
		}
		it.Entities, it.Explains = shared(r.ID)
		ev.Timeline = append(ev.Timeline, it)
	}
	for _, a := range ev.Alerts {
		at := a.UpdatedAt
		if a.StartsAt != nil {
			at = *a.StartsAt
		}
		it := helpdesk.TimelineItem{At: at, Kind: "alert", Title: a.Name + " " + a.Status,
			Detail: fmt.Sprintf("%v", a.Labels)}
		for _, v := range a.Labels {
			for k, n := range count {
				if n > 0 && (k == "host:"+v || k == "ip:"+v || k == "service:"+v) {
					it.Entities = append(it.Entities, k)
					it.Explains = max(it.Explains, n)
				}
			}
		}
		ev.Timeline = append(ev.Timeline, it)
	}
	start := t.CreatedAt
	for _, it := range ev.Timeline {
		if it.At.Before(start) {
			start = it.At
		}
	}
	changes, err := svc.DB.ChangesBetween(ctx, start.Add(-changesBefore), svc.now(), 20)
	if err != nil {
		return nil, err
	}
	ev.Timeline = append(ev.Timeline, changes...)
	slices.SortStableFunc(ev.Timeline, func(a, b helpdesk.TimelineItem) int { return a.At.Compare(b.At) })
	if ev.Past, err = svc.DB.PastIncidents(ctx, t.ID, ev.Entities, 5); err != nil {
		return nil, err
	}
	ev.Published, err = svc.DB.IncidentPublication(ctx, t.ID)
	return ev, err
}

// MatchKnownIssues are the published incidents whose title or message
// shares a word with what the person typed (the new-ticket form asks "Is
// it this?").
func (svc *Service) MatchKnownIssues(ctx context.Context, text string) ([]helpdesk.KnownIssue, error) {
	typed := map[string]bool{}
	for _, w := range wordsOf(text) {
		typed[w] = true
	}
	if len(typed) == 0 {
		return nil, nil
	}
	all, err := svc.KnownIssues(ctx)
	if err != nil {
		return nil, err
	}
	var out []helpdesk.KnownIssue
	for _, k := range all {
		for _, w := range wordsOf(k.Title + " " + k.Message) {
			if typed[w] {
				out = append(out, k)
				break
			}
		}
	}
	return out, nil
}

func wordsOf(s string) []string { return detect.Words(s) }
