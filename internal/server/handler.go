package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// handlerFunc is a handler that returns its error; handle turns errors into
// responses in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: helpdesk errors become the matching status
// and page; anything else is logged and shown as a 500 without details.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if r.Context().Err() != nil {
				// The client went away (htmx cancels superseded requests):
				// nothing to render, nothing to alarm anyone about.
				w.WriteHeader(499)
				return
			}
			s.renderError(w, r, err)
		}
	}
}

// isInvalid reports whether err is a validation error, which the handler
// answers by showing the form again with 422.
func isInvalid(err error) bool { return helpdesk.ErrorCode(err) == helpdesk.EINVALID }

// StatusOf maps helpdesk error codes to HTTP statuses; the only such map.
func StatusOf(err error) int {
	switch helpdesk.ErrorCode(err) {
	case helpdesk.ENOTFOUND:
		return http.StatusNotFound
	case helpdesk.EINVALID:
		return http.StatusUnprocessableEntity
	case helpdesk.ECONFLICT:
		return http.StatusConflict
	case helpdesk.EFORBIDDEN:
		return http.StatusForbidden
	case helpdesk.EUNAUTH:
		return http.StatusUnauthorized
	case helpdesk.ETOOMANY:
		return http.StatusTooManyRequests
	case helpdesk.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	err = s.Unavailable(err)
	status := StatusOf(err)
	msg := helpdesk.ErrorMessage(err)
	title := http.StatusText(status)
	switch status {
	case http.StatusNotFound:
		title, msg = "Not found", "There is nothing here, or you do not have access to it."
	case http.StatusInternalServerError:
		if !errors.Is(err, context.Canceled) {
			Logger(r.Context()).Error("handler failed", "err", err)
		}
		msg = "Something went wrong on our side. Please try again."
	case http.StatusServiceUnavailable:
		title = "Temporarily unavailable"
		w.Header().Set("Retry-After", retryAfter)
	}
	p := s.page(r, title, "")
	s.render(w, r, status, web.ErrorPage(p, status, msg))
}

// notFound renders the 404 page; used by requireStaff and friends so that a
// forbidden URL looks exactly like a missing one.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found."))
}

// renderBufs holds page buffers between requests.
var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRender is the largest buffer kept for reuse; a rare huge page
// should not pin its memory for good.
const maxPooledRender = 1 << 20

// render writes a templ component with a status. The page is rendered into
// a buffer first and written in one piece with its Content-Length: streamed
// straight to the connection, templ's 4 KB buffer made a write system call
// and a chunk per 4 KB (about 15 for a queue page, the largest CPU cost of
// the handler in its profile), and a failing template left half a page
// behind a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := renderBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledRender {
			renderBufs.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		if !errors.Is(err, context.Canceled) {
			Logger(r.Context()).Error("render", "err", err)
			http.Error(w, "Internal error", http.StatusInternalServerError)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a client gone away is nothing to report
}

// page builds the layout's view model for the request.
func (s *Server) page(r *http.Request, title, nav string) web.Page {
	p := web.Page{Title: title, Nav: nav, Nonce: Nonce(r.Context())}
	if cur, ok := r.Context().Value(keyUser).(*auth.Current); ok && cur != nil {
		p.User = cur.User
		p.Avail = cur.Availability
	}
	if f, err := r.Cookie("sb_flash"); err == nil {
		p.Flash = flashText(f.Value)
	}
	return p
}

// CurrentUser is the signed-in user of the request, or nil.
func CurrentUser(ctx context.Context) *helpdesk.User {
	if c, ok := ctx.Value(keyUser).(*auth.Current); ok && c != nil {
		return c.User
	}
	return nil
}

// seeOther redirects after a successful POST (POST/redirect/GET), with an
// optional one-off flash message.
func seeOther(w http.ResponseWriter, r *http.Request, url, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "sb_flash", Value: flashCode(flash), Path: "/", MaxAge: 30, HttpOnly: true, SameSite: http.SameSiteLaxMode}) //nolint:gosec // a one-off notice, no secret; not Secure so it also works on the plain-http default
	}
	http.Redirect(w, r, url, http.StatusSeeOther) //nolint:gosec // callers pass their own paths, or safeNext's or refererPath's local ones
}
