package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"switchboard/internal/helpdesk"
)

// MyTickets is the requester's home: one tab of their tickets.
type MyTickets struct {
	Closed     bool   // the "Closed" tab, else "Open"
	Query      string // search within own tickets
	Tickets    []helpdesk.Ticket
	NextCursor string // "" on the last page
	Paged      bool   // showing a later page, so offer the first again
	// KnownIssues are published incidents, shown as banners.
	KnownIssues []helpdesk.KnownIssue
}

// tabURL links a tab, keeping the search.
func (m MyTickets) tabURL(closed bool) string { return m.link(closed, "") }

// nextURL links the next page of the same tab and search.
func (m MyTickets) nextURL() string { return m.link(m.Closed, m.NextCursor) }

func (m MyTickets) link(closed bool, cursor string) string {
	v := url.Values{}
	if closed {
		v.Set("tab", "closed")
	}
	if m.Query != "" {
		v.Set("q", m.Query)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/tickets"
	}
	return "/tickets?" + v.Encode()
}

// NewTicketForm is the new-ticket form, blank or coming back with errors.
type NewTicketForm struct {
	Subject     string
	Description string
	Category    string // category id, "" for "Not sure"
	Urgency     string
	Impact      string
	Categories  []helpdesk.Category
	Errors      map[string]string // field name -> message
	Preview     string            // sanitised HTML of the description, when asked for
	HadFiles    bool              // files were chosen, and must be chosen again
	MaxMB       int64
	Suggest     SuggestView // articles for the subject, when the form comes back
}

// TicketView is the requester's view of one ticket.
type TicketView struct {
	Ticket   helpdesk.Ticket
	Messages []MessageView // public only for requesters; mail folded
	CanAct   bool          // may resolve / reopen / rate (the requester or a participant)
	Rating   *RatingView   // the current resolution's rating, once given
	CanRate  bool          // resolved, unrated, and the viewer is the requester
	Reply    ReplyForm
	RateForm RateForm
}

// RatingView is a given satisfaction rating.
type RatingView struct {
	Score   int
	Comment string
}

// ReplyForm is the reply box, blank or with errors.
type ReplyForm struct {
	Number   int64
	Body     string
	Errors   map[string]string
	HadFiles bool
	MaxMB    int64
	OOB      bool // sent out of band after an htmx reply, to clear the box
}

// RateForm is the rating form, blank or with errors.
type RateForm struct {
	Number  int64
	Score   int
	Comment string
	Errors  map[string]string
}

// describedBy names the hint and error slots of a field.
func describedBy(field string, hint bool) string {
	if hint {
		return field + "-hint " + field + "-error"
	}
	return field + "-error"
}

// sizeText is a human file size.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// current marks the selected tab or link for assistive technology and the
// CSS.
func current(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"aria-current": "page"}
	}
	return templ.Attributes{}
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// rateWord names each point of the rating scale.
func rateWord(i int) string {
	return [...]string{"", "Very poor", "Poor", "OK", "Good", "Excellent"}[i]
}

// oob marks a fragment for htmx's out-of-band swap.
func oob(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"hx-swap-oob": "true"}
	}
	return templ.Attributes{}
}
