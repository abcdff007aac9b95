package incident

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Service runs the incident features.
type Service struct {
	DB      *postgres.DB
	Tickets *ticket.Service
	Log     *slog.Logger
	Now     func() time.Time

	// groups serialises deliveries for one alert group on this node;
	// Alertmanager sends a group's notifications one at a time anyway, and
	// the unique group key settles races between nodes.
	groups sync.Map // group key -> *sync.Mutex

	det detState
}

func (svc *Service) now() time.Time {
	if svc.Now != nil {
		return svc.Now()
	}
	return time.Now()
}

func (svc *Service) log() *slog.Logger {
	if svc.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return svc.Log
}

// AlertBatch is one delivery of alerts for one group, from Alertmanager or
// the generic webhook, in the form the intake works on.
type AlertBatch struct {
	GroupKey    string
	Receiver    string
	Status      string // firing or resolved: the group's overall status
	Labels      map[string]string
	Annotations map[string]string
	Alerts      []helpdesk.Alert
	ExternalURL string
}

// Outcome says what a delivery did.
type Outcome struct {
	Number   int64  `json:"incident"`
	Created  bool   `json:"created"`
	Reopened bool   `json:"reopened"`
	Resolved bool   `json:"resolved"`
	Changed  int    `json:"alerts_changed"`
	Status   string `json:"status"`
}

// MayPostAlerts reports whether the user may post alerts with a token of
// the given scope: staff with a read-write token, anyone's token with the
// alerts scope.
func MayPostAlerts(u *helpdesk.User, scope string) bool {
	if u == nil {
		return false
	}
	return scope == "alerts" || (scope == "read_write" && u.IsStaff())
}

// actorFor is who files and changes alert incidents: the token's user,
// acting with an agent's rights when the token has the alerts scope (a
// monitoring system's account need not be staff to report an outage).
func actorFor(u *helpdesk.User) *helpdesk.User {
	if u.IsStaff() {
		return u
	}
	a := *u
	a.Role = helpdesk.RoleAgent
	return &a
}

// Ingest applies one delivery: the group's incident ticket is created on
// its first firing delivery, alerts are de-duplicated by fingerprint, each
// change of an alert is noted on the incident, a group firing again
// shortly after it resolved reopens its incident (flapping stays one
// incident), and when every alert resolved the incident is resolved or
// only marked, as the settings say.
func (svc *Service) Ingest(ctx context.Context, user *helpdesk.User, b AlertBatch) (_ *Outcome, err error) {
	defer helpdesk.WrapOp(&err, "ingest alerts")
	if err := validateBatch(&b); err != nil {
		return nil, err
	}
	mu, _ := svc.groups.LoadOrStore(b.GroupKey, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	set, err := svc.Settings(ctx)
	if err != nil {
		return nil, err
	}
	actor := actorFor(user)
	for attempt := 0; ; attempt++ {
		g, err := svc.DB.AlertGroupByKey(ctx, b.GroupKey)
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND || (err == nil && svc.stale(g, set)) {
			if !anyFiring(b.Alerts) {
				// A resolve for a group we never saw (or long closed)
				// has nothing to resolve.
				return &Outcome{Status: "ignored"}, nil
			}
			out, err := svc.open(ctx, actor, b, set, g)
			if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT && attempt == 0 {
				continue // another node created the group: update it instead
			}
			return out, err
		} else if err != nil {
			return nil, err
		}
		return svc.update(ctx, actor, b, set, g)
	}
}

// stale reports whether a group's incident closed too long ago for a new
// firing to count as the same incident (within FlapMinutes it is a flap).
func (svc *Service) stale(g *helpdesk.AlertGroup, set Settings) bool {
	return !g.TicketStatus.IsOpen() && g.Status == "resolved" &&
		svc.now().Sub(g.UpdatedAt) > time.Duration(set.FlapMinutes)*time.Minute
}

func anyFiring(as []helpdesk.Alert) bool {
	return slices.ContainsFunc(as, func(a helpdesk.Alert) bool { return a.Status == "firing" })
}

func validateBatch(b *AlertBatch) error {
	var v helpdesk.Validation
	if strings.TrimSpace(b.GroupKey) == "" {
		v.Add("groupKey", "groupKey is required.")
	}
	if len(b.Alerts) == 0 {
		v.Add("alerts", "At least one alert is required.")
	}
	for i := range b.Alerts {
		a := &b.Alerts[i]
		if a.Status != "firing" && a.Status != "resolved" {
			v.Add(fmt.Sprintf("alerts[%d].status", i), "Status must be firing or resolved.")
		}
		if a.Fingerprint == "" {
			// Alertmanager always sends one; generic alerts fall back to
			// their labels.
			a.Fingerprint = labelKey(a.Labels)
		}
		if a.Name == "" {
			a.Name = a.Labels["alertname"]
		}
	}
	return v.Err()
}

func labelKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k + "=" + l[k] + ";")
	}
	return sb.String()
}

// label reads a label from the group's common labels, else the first
// alert that has it.
func (b *AlertBatch) label(name string) string {
	if v := b.Labels[name]; v != "" {
		return v
	}
	for _, a := range b.Alerts {
		if v := a.Labels[name]; v != "" {
			return v
		}
	}
	return ""
}

func (b *AlertBatch) annotation(name string) string {
	if v := b.Annotations[name]; v != "" {
		return v
	}
	for _, a := range b.Alerts {
		if v := a.Annotations[name]; v != "" {
			return v
		}
	}
	return ""
}

// open files the incident ticket for a new group (or a group whose last
// incident closed long ago: prev).
func (svc *Service) open(ctx context.Context, actor *helpdesk.User, b AlertBatch, set Settings, prev *helpdesk.AlertGroup) (*Outcome, error) {
	in := ticket.CreateInput{Subject: subjectOf(b), Description: describe(b), Source: helpdesk.SourceAlert,
		Impact: set.Impact, Urgency: helpdesk.UrgencyHigh}
	if u, ok := set.SeverityUrgency[strings.ToLower(b.label(set.SeverityLabel))]; ok {
		in.Urgency = u
	}
	if slug := cmpOr(b.label(set.TeamLabel), set.DefaultTeam); slug != "" {
		if id, err := svc.DB.TeamIDBySlug(ctx, slug); err == nil {
			in.TeamID = &id
		}
	}
	if name := cmpOr(b.label(set.CategoryLabel), set.DefaultCategory); name != "" {
		if id, err := svc.DB.CategoryIDByName(ctx, name); err == nil {
			in.CategoryID = &id
		}
	}
	var changed int
	in.AfterInsert = func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
		if prev != nil {
			if err := tx.MoveAlertGroup(ctx, prev.ID, t.ID); err != nil {
				return err
			}
			if err := tx.InsertIncident(ctx, t.ID, "alert"); err != nil {
				return err
			}
			prev.TicketID = t.ID
		} else {
			prev = &helpdesk.AlertGroup{GroupKey: b.GroupKey, TicketID: t.ID, Receiver: b.Receiver, Labels: b.Labels, Status: "firing"}
			if err := tx.InsertAlertGroup(ctx, prev); err != nil {
				return err
			}
		}
		ch, _, err := tx.UpsertAlerts(ctx, prev.ID, b.Alerts)
		changed = len(ch)
		return err
	}
	t, err := svc.Tickets.Create(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	svc.log().Info("alert incident opened", "ticket", t.Number, "group", b.GroupKey, "alerts", len(b.Alerts))
	return &Outcome{Number: t.Number, Created: true, Changed: changed, Status: "firing"}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func subjectOf(b AlertBatch) string {
	name := b.label("alertname")
	summary := b.annotation("summary")
	s := strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{name, summary}, func(s string) bool { return s == "" }), ": "))
	if s == "" {
		s = "Alert " + b.GroupKey
	}
	if len(s) > 180 {
		s = s[:180]
	}
	return "[alert] " + s
}

func describe(b AlertBatch) string {
	var sb strings.Builder
	if d := b.annotation("description"); d != "" {
		sb.WriteString(d + "\n\n")
	}
	fmt.Fprintf(&sb, "Monitoring alert group `%s` (receiver %s).\n\n", b.GroupKey, cmpOr(b.Receiver, "-"))
	for _, a := range b.Alerts {
		fmt.Fprintf(&sb, "- **%s** %s %s\n", a.Status, a.Name, labelList(a.Labels))
	}
	if b.ExternalURL != "" {
		fmt.Fprintf(&sb, "\nSource: %s\n", b.ExternalURL)
	}
	return sb.String()
}

func labelList(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return "`" + strings.Join(parts, " ") + "`"
}

// update applies a delivery to a known group.
func (svc *Service) update(ctx context.Context, actor *helpdesk.User, b AlertBatch, set Settings, g *helpdesk.AlertGroup) (*Outcome, error) {
	changed, firing, err := svc.DB.UpsertAlerts(ctx, g.ID, b.Alerts)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Number: g.TicketNumber, Changed: len(changed), Status: "firing"}
	if firing == 0 {
		out.Status = "resolved"
	}
	if len(changed) == 0 {
		return out, nil // a repeat: Alertmanager re-sends until resolved
	}
	if err := svc.DB.SetAlertGroup(ctx, g.ID, g.TicketID, out.Status); err != nil {
		return nil, err
	}
	t, err := svc.Tickets.Get(ctx, actor, g.TicketNumber)
	if err != nil {
		return nil, err
	}
	for _, c := range changed {
		after := map[string]any{"alert": c.Alert.Name, "fingerprint": c.Alert.Fingerprint, "status": c.Alert.Status,
			"labels": c.Alert.Labels}
		if err := svc.Tickets.Record(ctx, actor, t, helpdesk.EventAlert, after, "alert "+c.Alert.Status); err != nil {
			return nil, err
		}
	}
	switch {
	case firing > 0 && !t.Status.IsOpen():
		if _, err := svc.Tickets.SetStatus(ctx, actor, t.Number, helpdesk.StatusOpen, "alert fired again"); err != nil {
			return nil, err
		}
		out.Reopened = true
	case firing == 0 && t.Status.IsOpen() && set.ResolveMode == "resolve":
		if _, err := svc.Tickets.SetStatus(ctx, actor, t.Number, helpdesk.StatusResolved, "all alerts resolved"); err != nil {
			return nil, err
		}
		out.Resolved = true
	}
	return out, nil
}
