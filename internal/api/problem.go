package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/server"
)

// problem is an RFC 9457 problem details object. Type is a URI reference to
// the problem's section of /api/docs.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail,omitempty"`
	Errors []helpdesk.FieldError `json:"errors,omitempty"`
}

// httpError is a failure that exists only at the HTTP layer (a body too
// large, a malformed header) and so has no helpdesk code.
type httpError struct {
	status int
	slug   string
	detail string
	fields []helpdesk.FieldError
}

func (e *httpError) Error() string { return e.slug + ": " + e.detail }

var (
	errNoRoute = &httpError{http.StatusNotFound, "not-found", "There is no such resource.", nil}
	errMethod  = &httpError{http.StatusMethodNotAllowed, "method-not-allowed", "This resource does not support that method.", nil}
)

// handle adapts a handler that returns an error: errors become problems.
func (h *Handler) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	}
}

// fail writes err as problem+json. Foreign errors are logged and answered
// with a generic 500, so internals never reach a client.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if postgres.IsUnavailable(err) {
		h.Health.Report(err)
		err = postgres.ErrUnavailable
	}
	p := problem{}
	var he *httpError
	if errors.As(err, &he) {
		p.Status, p.Type, p.Detail, p.Errors = he.status, he.slug, he.detail, he.fields
	} else {
		// The problem type is the code's section of /api/docs
		// ("not_found" -> "not-found"); server.StatusOf is the one mapping
		// of codes to statuses, shared with the web UI.
		p.Status, p.Type = server.StatusOf(err), "internal"
		if p.Status != http.StatusInternalServerError {
			p.Type = strings.ReplaceAll(helpdesk.ErrorCode(err), "_", "-")
		}
		p.Detail, p.Errors = helpdesk.ErrorMessage(err), helpdesk.FieldErrors(err)
	}
	switch p.Status {
	case http.StatusInternalServerError:
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client went away; nobody reads the answer
		}
		h.Log.Error("api", "method", r.Method, "route", chi.RouteContext(r.Context()).RoutePattern(), "request_id", w.Header().Get("X-Request-Id"), "err", err)
	case http.StatusNotFound:
		// One body for "missing" and "not yours", so nothing can be learnt
		// by comparing them.
		p.Detail = "There is no such resource."
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		p.Detail = "A valid API token is required."
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p problem) {
	p.Title = http.StatusText(p.Status)
	p.Type = "/api/docs#problem-" + p.Type
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON renders v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeRaw(w, status, b)
	return nil
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b) //nolint:gosec // JSON we encoded ourselves, served as application/json
	_, _ = w.Write([]byte("\n"))
}
