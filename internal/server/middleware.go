package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

type ctxKey int

const (
	keyLogger ctxKey = iota
	keyNonce
	keyUser
	keyRawBody // the request's body before limitBody capped it
)

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "switchboard_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"route", "method", "status"})
	httpDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "switchboard_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
)

// statusWriter remembers the status for logs and metrics; Unwrap keeps
// http.ResponseController (flush for SSE, deadlines) working.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id (also sent back as X-Request-Id), a
// logger that carries it, one log line, metrics, and panic recovery.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		log := s.Log.With("request_id", id)
		ctx := context.WithValue(r.Context(), keyLogger, log)
		// The real client address, behind SWITCHBOARD_TRUSTED_PROXIES, for
		// everything downstream (auth.ClientIP).
		var trusted []netip.Prefix
		if s.Config != nil {
			trusted = s.Config.TrustedProxies
		}
		ctx = auth.WithClientIP(ctx, auth.ResolveClientIP(r, trusted))
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // a recovered value, never wrapped; net/http compares it the same way
					panic(p)
				}
				log.Error("panic", "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "Internal error", http.StatusInternalServerError)
				}
			}
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			httpRequests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			httpDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			// The route pattern, never the path: paths carry secrets
			// (one-time password links /reset/{token}).
			log.Log(ctx, level, "http", "method", r.Method, "route", route,
				"status", status, "bytes", sw.bytes, "took", time.Since(start))
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// Logger returns the request's logger (with its request id).
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// securityHeaders sets the headers every page carries. Scripts come only
// from our own files or carry the per-request nonce; nothing inline runs.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		nonce := hex.EncodeToString(b)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; "+
			"style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyNonce, nonce)))
	})
}

// Nonce returns the request's CSP nonce for script tags.
func Nonce(ctx context.Context) string {
	n, _ := ctx.Value(keyNonce).(string)
	return n
}

// watchAdmin tells threat detection of each change an admin made in the
// console, after it is done (bursts of admin actions).
func (s *Server) watchAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method == http.MethodGet || r.Method == http.MethodHead || s.OnAdminAction == nil {
			return
		}
		if u := CurrentUser(r.Context()); u != nil && u.Role == helpdesk.RoleAdmin {
			s.OnAdminAction(context.WithoutCancel(r.Context()), u, auth.ClientIP(r))
		}
	})
}
