package server

import (
	"context"
	"io"
	"net/http"
)

// defaultBodyLimit caps what a page's request may send. Forms are a few KB
// (the longest, a knowledge-base article of 200,000 characters, stays under
// it even percent-encoded); without a cap, a multipart post to any form,
// the sign-in page included, would be read whole and its file parts spooled
// to disk by ParseMultipartForm. Routes that take files raise it with
// allowBody.
const defaultBodyLimit = 4 << 20

// limitBody caps every page request's body at defaultBodyLimit.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r = r.WithContext(context.WithValue(r.Context(), keyRawBody, r.Body))
			r.Body = http.MaxBytesReader(w, r.Body, defaultBodyLimit)
		}
		next.ServeHTTP(w, r)
	})
}

// allowBody sets this request's body cap to n bytes, above or below the
// default: an upload route calls it before reading the body.
func allowBody(w http.ResponseWriter, r *http.Request, n int64) {
	if raw, ok := r.Context().Value(keyRawBody).(io.ReadCloser); ok {
		r.Body = http.MaxBytesReader(w, raw, n)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, n)
}
