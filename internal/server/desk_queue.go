package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
	"switchboard/web"
)

var viewLabels = map[postgres.QueueView]string{
	postgres.ViewUnassigned: "Unassigned", postgres.ViewMine: "Mine", postgres.ViewTeams: "My teams",
	postgres.ViewAtRisk: "SLA at risk", postgres.ViewOpen: "All open", postgres.ViewPending: "Pending",
	postgres.ViewMentions: "Mentions", postgres.ViewResolved: "Recently resolved",
}

// deskFilter reads the dashboard's query string. Unknown values are kept
// out rather than refused: a stale shared link still opens.
func deskFilter(q url.Values) web.DeskFilter {
	f := web.DeskFilter{View: q.Get("view"), Team: q.Get("team"), Category: q.Get("category"),
		Assignee: q.Get("assignee"), Requester: strings.TrimSpace(q.Get("requester")),
		Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	if _, ok := viewLabels[postgres.QueueView(f.View)]; !ok {
		f.View = string(postgres.ViewUnassigned)
	}
	for _, s := range q["status"] {
		if helpdesk.Status(s).Valid() {
			f.Statuses = append(f.Statuses, s)
		}
	}
	for _, p := range q["priority"] {
		if helpdesk.Priority(p).Valid() {
			f.Priorities = append(f.Priorities, p)
		}
	}
	switch postgres.QueueSort(f.Sort) {
	case postgres.QueueByDue, postgres.QueueByPriority, postgres.QueueByUpdated, postgres.QueueByRelevance:
	default:
		f.Sort = ""
	}
	return f
}

func queueQuery(u *helpdesk.User, f web.DeskFilter, cursor string) postgres.QueueQuery {
	q := postgres.QueueQuery{Viewer: u, View: postgres.QueueView(f.View), Team: f.Team, Category: f.Category,
		Assignee: f.Assignee, Requester: f.Requester, Query: f.Q, Sort: postgres.QueueSort(f.Sort), Cursor: cursor}
	for _, s := range f.Statuses {
		q.Statuses = append(q.Statuses, helpdesk.Status(s))
	}
	for _, p := range f.Priorities {
		q.Priorities = append(q.Priorities, helpdesk.Priority(p))
	}
	return q
}

// deskPage builds the dashboard's view model: one page of the view and the
// tabs (their counts come separately, from /desk/counts).
func (s *Server) deskPage(r *http.Request) (web.DeskPage, error) {
	u := CurrentUser(r.Context())
	f := deskFilter(r.URL.Query())
	page, err := s.DB.Queue(r.Context(), queueQuery(u, f, r.URL.Query().Get("cursor")))
	if err != nil {
		return web.DeskPage{}, err
	}
	// The order actually used, defaults applied: the links below must carry
	// the same sort as the cursor they hold.
	f.Sort = string(page.Sort)
	base := f.Values()
	v := web.DeskPage{Page: s.page(r, "Queue", "desk"), Filter: f, Now: time.Now(), Capped: page.Capped,
		FirstHref: "/desk?" + base.Encode(), ListHref: "/desk/list?" + base.Encode(), CountsHref: "/desk/counts"}
	if page.NextCursor != "" {
		next := f.Values()
		next.Set("cursor", page.NextCursor)
		v.NextHref = "/desk?" + next.Encode()
	}
	v.Rows = make([]web.DeskRow, 0, len(page.Rows))
	for i := range page.Rows {
		row := &page.Rows[i]
		v.Rows = append(v.Rows, web.DeskRow{Ticket: &row.Ticket, SubjectHit: row.SubjectHit, Snippet: row.Snippet})
	}
	v.Tabs = tabs(f.View, nil)
	opts, err := s.deskOptions(r.Context())
	if err != nil {
		return v, err
	}
	v.Teams, v.Categories, v.Staff = opts.teams, opts.categories, opts.staff
	return v, nil
}

func tabs(current string, counts map[postgres.QueueView]postgres.QueueCount) []web.DeskTab {
	out := make([]web.DeskTab, 0, len(postgres.QueueViews))
	for _, view := range postgres.QueueViews {
		t := web.DeskTab{Key: string(view), Label: viewLabels[view], Href: "/desk?view=" + string(view),
			Current: string(view) == current}
		if c, ok := counts[view]; ok {
			t.Count = strconv.Itoa(c.N)
			if c.Capped {
				t.Count += "+"
			}
		}
		out = append(out, t)
	}
	return out
}

// desk is GET /desk: the whole dashboard page.
func (s *Server) desk(w http.ResponseWriter, r *http.Request) error {
	v, err := s.deskPage(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.Desk(v))
	return nil
}

// deskList is GET /desk/list: the list fragment, re-fetched on live events.
func (s *Server) deskList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.deskPage(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskList(v))
	return nil
}

// deskCounts is GET /desk/counts: the view tabs with capped counts.
func (s *Server) deskCounts(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.DB.QueueCounts(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskTabs(tabs(r.URL.Query().Get("view"), counts)))
	return nil
}

// deskBulk is POST /desk/bulk: assign, set status or set priority on the
// selected tickets.
func (s *Server) deskBulk(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Unreadable form.")
	}
	var numbers []int64
	for _, n := range r.PostForm["n"] {
		if v, err := strconv.ParseInt(n, 10, 64); err == nil {
			numbers = append(numbers, v)
		}
	}
	var c ticket.Changes
	if st := r.PostFormValue("status"); st != "" {
		x := helpdesk.Status(st)
		c.Status = &x
	}
	if p := r.PostFormValue("priority"); p != "" {
		x := helpdesk.Priority(p)
		c.Priority = &x
	}
	switch a := r.PostFormValue("assignee"); a {
	case "":
	case "none":
		c.Assignee = new(string)
	default:
		c.Assignee = &a
	}
	back := safeNext(r.PostFormValue("back"))
	if !strings.HasPrefix(back, "/desk") {
		back = "/desk"
	}
	res, err := s.Tickets.Bulk(r.Context(), CurrentUser(r.Context()), numbers, c)
	if err != nil {
		if isInvalid(err) {
			seeOther(w, r, back, helpdesk.ErrorMessage(err))
			return nil
		}
		return err
	}
	msg := strconv.Itoa(res.Changed) + " ticket(s) updated."
	if len(res.Failed) > 0 {
		msg += " " + strconv.Itoa(len(res.Failed)) + " could not be changed."
	}
	seeOther(w, r, back, msg)
	return nil
}

// deskOpts are the filter and field choices, with their markup.
type deskOpts struct {
	teams, categories, staff web.Options
	at                       time.Time
}

// deskOptsCache keeps the last deskOpts briefly per node, since every
// dashboard render needs them and they change rarely.
type deskOptsCache struct {
	mu sync.Mutex
	o  deskOpts
}

func (c *deskOptsCache) get() (deskOpts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.o, !c.o.at.IsZero() && time.Since(c.o.at) < 10*time.Second
}

func (c *deskOptsCache) forget() {
	c.mu.Lock()
	c.o = deskOpts{}
	c.mu.Unlock()
}

func (c *deskOptsCache) put(o deskOpts) {
	c.mu.Lock()
	c.o = o
	c.mu.Unlock()
}

func (s *Server) deskOptions(ctx context.Context) (deskOpts, error) {
	if o, ok := s.opts.get(); ok {
		return o, nil
	}
	o := deskOpts{at: time.Now()}
	teams, err := s.DB.Teams(ctx)
	if err != nil {
		return o, err
	}
	var list []web.Option
	for _, t := range teams {
		list = append(list, web.Option{Value: t.Slug, Label: t.Name})
	}
	o.teams = web.NewOptions(list)
	cats, err := s.DB.Categories(ctx)
	if err != nil {
		return o, err
	}
	list = nil
	for _, c := range cats {
		list = append(list, web.Option{Value: c.Name, Label: c.Name})
	}
	o.categories = web.NewOptions(list)
	staff, err := s.DB.Staff(ctx)
	if err != nil {
		return o, err
	}
	list = nil
	for _, u := range staff {
		list = append(list, web.Option{Value: u.Email, Label: u.Name})
	}
	o.staff = web.NewOptions(list)
	s.opts.put(o)
	return o, nil
}
