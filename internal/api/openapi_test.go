package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/api"
	"switchboard/internal/ticket"
)

// TestDocumentCoversRoutes: every route the router serves under /api/v1 is
// in openapi.json with its method, and every documented operation exists.
func TestDocumentCoversRoutes(t *testing.T) {
	t.Parallel()
	d := document(t)
	h := api.New(api.Options{Tickets: &ticket.Service{}})
	served := map[string]bool{}
	err := chi.Walk(h.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = "/api" + strings.TrimSuffix(route, "/")
		if !strings.HasPrefix(route, "/api/v1/") {
			return nil
		}
		served[method+" "+route] = true
		ops, err := d.Operations(route)
		if err != nil {
			return err
		}
		if ops[method] == nil {
			t.Errorf("%s %s is served but not in openapi.json", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(served) < 10 {
		t.Fatalf("walked only %d routes: %v", len(served), served)
	}
	for p := range d.Paths {
		ops, err := d.Operations(p)
		if err != nil {
			t.Fatal(err)
		}
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("%s %s is documented but not served", m, p)
			}
		}
	}
}

// TestDocsServed: the document is public JSON, and /api/docs is a page
// without script that lists every operation.
func TestDocsServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	anon := &client{t: t, base: b.e.URL}
	r := anon.send("GET", "/api/v1/openapi.json", "", nil)
	var raw map[string]any
	if r.status != http.StatusOK || json.Unmarshal(r.body, &raw) != nil || raw["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %.100s", r.status, r.body)
	}
	res, err := http.Get(b.e.URL + "/api/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	html := string(page)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/api/docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(html, "<script") || strings.Contains(html, " style=") {
		t.Error("/api/docs has inline script or style")
	}
	for _, want := range []string{"POST /api/v1/tickets", "PATCH /api/v1/tickets/{number}", `id="problem-not-found"`, "next_cursor"} {
		if !strings.Contains(html, want) {
			t.Errorf("/api/docs lacks %q", want)
		}
	}
	res, err = http.Get(b.e.URL + "/api/docs.css")
	if err != nil {
		t.Fatalf("docs.css: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("docs.css: %s", res.Status)
	}
}
