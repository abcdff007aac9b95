package web

import (
	"context"
	"html"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"

	"switchboard/internal/helpdesk"
)

// deskRows writes the queue's table rows. They are the dashboard's hottest
// markup (50 rows a page, rendered again on every live update), and as
// templ expressions each value cost an allocation and a resolving pass:
// a third of the page's render time, at 1M tickets about as long as the
// page's own query. So they are written here directly. Every value goes
// through html.EscapeString and every attribute is double-quoted;
// TestDeskRowsXSS (internal/server) feeds the XSS corpus through them.
//
// The rows are built in one byte slice and written with one call: each
// small write went through io.WriteString, templ's buffer and a bufio
// writer, 60 % of the rows' render time.
func deskRows(rows []DeskRow, now time.Time) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		rw := newHTMLWriter(w)
		defer rw.release()
		for i := range rows {
			rw.row(&rows[i], now)
		}
		return rw.flush()
	})
}

// htmlWriter collects markup in a pooled byte slice and writes it to w on
// flush; the caller escapes what needs it (text, badge).
type htmlWriter struct {
	w   io.Writer
	b   []byte
	buf *[]byte // from htmlBufs, returned by release
}

// htmlBufs holds the slices rows are built in (a queue page's rows are
// ~30 KB).
var htmlBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func newHTMLWriter(w io.Writer) *htmlWriter {
	buf := htmlBufs.Get().(*[]byte)
	return &htmlWriter{w: w, b: (*buf)[:0], buf: buf}
}

// release returns the slice to the pool, unless it grew past any page's
// need.
func (rw *htmlWriter) release() {
	if rw.buf != nil && cap(rw.b) <= 1<<20 {
		*rw.buf = rw.b[:0]
		htmlBufs.Put(rw.buf)
	}
	rw.buf, rw.b = nil, nil
}

// flush writes what was collected.
func (rw *htmlWriter) flush() error {
	if len(rw.b) == 0 {
		return nil
	}
	_, err := rw.w.Write(rw.b)
	rw.b = rw.b[:0]
	return err
}

func (rw *htmlWriter) raw(parts ...string) {
	for _, p := range parts {
		rw.b = append(rw.b, p...)
	}
}

// text writes s escaped exactly as html.EscapeString escapes it, without
// building the escaped copy (most values need no escaping at all, and the
// replacer's pass showed in the page's profile). The bytes to escape are
// found by a table lookup: a switch per byte was 13 % of the queue page's
// handler CPU at 1M tickets, the table halves it.
func (rw *htmlWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		default: // '"'
			esc = "&#34;"
		}
		rw.b = append(append(rw.b, s[last:i]...), esc...)
		last = i + 1
	}
	rw.b = append(rw.b, s[last:]...)
}

// htmlSpecial marks the bytes html.EscapeString replaces.
var htmlSpecial = [256]bool{'<': true, '>': true, '&': true, '\'': true, '"': true}

func (rw *htmlWriter) row(r *DeskRow, now time.Time) {
	n := strconv.FormatInt(r.Number, 10) // digits only
	rw.raw(`<tr data-number="`, n, `"><td><input type="checkbox" name="n" value="`, n,
		`" form="bulk-form" aria-label="Select ticket `, n, `"></td><td data-label="#">`, n,
		`</td><td data-label="Subject"><a href="/desk/tickets/`, n, `" class="subject">`)
	if r.SubjectHit != "" {
		rw.raw(highlightHTML(r.SubjectHit))
	} else {
		rw.text(r.Subject)
	}
	rw.raw(`</a>`)
	if r.Snippet != "" {
		rw.raw(`<div class="snippet">`, highlightHTML(r.Snippet), `</div>`)
	}
	rw.raw(`</td><td data-label="Priority">`)
	rw.badge(string(r.Priority), priorityBadge(r.Priority))
	rw.raw(`</td><td data-label="Status">`)
	rw.text(r.Status.Label())
	rw.raw(`</td><td data-label="Due">`)
	rw.due(r.DueAt, now, r.Status.IsOpen() && r.Status != helpdesk.StatusPending)
	rw.raw(`</td><td data-label="Team">`)
	rw.text(r.TeamName)
	rw.raw(`</td><td data-label="Assignee">`)
	if r.AssigneeName != "" {
		rw.text(r.AssigneeName)
	} else {
		rw.raw(`<span class="muted">nobody</span>`)
		if r.TriageWait != "" && r.Status.IsOpen() {
			rw.raw(`<div class="snippet wait-reason">`)
			rw.text(r.TriageWait)
			rw.raw(`</div>`)
		}
	}
	rw.raw(`</td><td data-label="Requester">`)
	rw.text(r.RequesterName)
	rw.raw(`</td></tr>`)
}

// due writes DueText's badge without building its strings. The text is
// digits, letters, spaces and a dash (appendDue), nothing to escape.
func (rw *htmlWriter) due(due *time.Time, now time.Time, open bool) {
	var tmp [32]byte
	text, cls := appendDue(tmp[:0], due, now, open)
	rw.raw(`<span class="`, cls, `">`)
	rw.b = append(append(rw.b, text...), `</span>`...)
}

func (rw *htmlWriter) badge(text, class string) {
	rw.raw(`<span class="`)
	rw.text(class)
	rw.raw(`">`)
	rw.text(text)
	rw.raw(`</span>`)
}

// highlightHTML escapes text and turns ts_headline's marks (\x02, \x03)
// into <mark>, closing any left open; the text itself can never inject
// markup.
func highlightHTML(s string) string {
	e := html.EscapeString(s)
	e = strings.ReplaceAll(e, "\x02", "<mark>")
	e = strings.ReplaceAll(e, "\x03", "</mark>")
	if n := strings.Count(e, "<mark>") - strings.Count(e, "</mark>"); n > 0 {
		e += strings.Repeat("</mark>", n)
	}
	return e
}
