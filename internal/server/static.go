package server

import (
	"io/fs"
	"net/http"
)

// staticFiles serves the embedded web/static tree with a short cache; file
// names are stable, so a restart with new assets is picked up within minutes.
func staticFiles(fsys fs.FS) http.Handler {
	sub, _ := fs.Sub(fsys, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
