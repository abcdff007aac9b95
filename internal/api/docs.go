package api

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
)

//go:embed docs.html
var docsTemplate string

//go:embed docs.css
var docsStyle []byte

// docsPage is the view model of /api/docs.
type docsPage struct {
	Title, Version string
	Intro          []string
	Operations     []docsOperation
	Schemas        []docsSchema
	Problems       []docsProblem
}

type docsOperation struct {
	Anchor, Method, Path, Summary, Description, Body string
	Params                                           []Parameter
	Responses                                        []docsResponse
	Public                                           bool
}

type docsResponse struct{ Status, Description, Schema string }

type docsSchema struct {
	Name   string
	Fields []docsField
}

type docsField struct {
	Name, Type, Description string
	Required                bool
}

type docsProblem struct{ Slug, Status, Meaning string }

var problems = []docsProblem{
	{"bad-request", "400", "The body is not valid JSON (or not a single object)."},
	{"unauthorized", "401", "No valid token: missing, malformed, unknown, expired, revoked, or its user is deactivated."},
	{"forbidden", "403", "A read-scope token tried to change something, or the user may not make this change."},
	{"not-found", "404", "No such resource, or the token's user may not see it; the two look the same."},
	{"method-not-allowed", "405", "The resource exists but not with that method."},
	{"conflict", "409", "A request with the same Idempotency-Key is still running, or the change conflicts with another."},
	{"too-large", "413", "The body is over the limit (1 MiB for JSON; four attachments' worth for uploads)."},
	{"unsupported-media-type", "415", "JSON endpoints take application/json; uploads take multipart/form-data."},
	{"invalid", "422", "Invalid input; errors lists each field (unknown fields and query parameters included) with a message."},
	{"too-many-requests", "429", "The token's rate limit is used up; wait the seconds in Retry-After."},
	{"internal", "500", "Something failed on the server; it is logged with the X-Request-Id of the response."},
	{"unavailable", "503", "The helpdesk cannot reach its database; nothing was saved. Retry after the seconds in Retry-After."},
}

// renderDocs builds the page once from the embedded document.
var renderDocs = sync.OnceValues(func() ([]byte, error) {
	d, err := ParseDocument()
	if err != nil {
		return nil, err
	}
	page := docsPage{Title: d.Info.Title, Version: d.Info.Version, Intro: strings.Split(d.Info.Description, "\n\n"),
		Problems: problems}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		ops, err := d.Operations(p)
		if err != nil {
			return nil, err
		}
		for _, m := range []string{"GET", "POST", "PATCH", "PUT", "DELETE"} {
			op, ok := ops[m]
			if !ok {
				continue
			}
			do := docsOperation{Anchor: op.OperationID, Method: m, Path: p, Summary: op.Summary,
				Description: op.Description, Params: op.Parameters, Public: op.Security != nil && len(*op.Security) == 0}
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Content {
					do.Body = ct + " " + schemaName(mt.Schema)
				}
			}
			codes := make([]string, 0, len(op.Responses))
			for c := range op.Responses {
				codes = append(codes, c)
			}
			slices.Sort(codes)
			for _, c := range codes {
				r := op.Responses[c]
				if r.Ref != "" {
					r = d.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
				}
				dr := docsResponse{Status: c, Description: r.Description}
				for ct, mt := range r.Content {
					dr.Schema = ct + " " + schemaName(mt.Schema)
				}
				do.Responses = append(do.Responses, dr)
			}
			page.Operations = append(page.Operations, do)
		}
	}
	names := make([]string, 0, len(d.Components.Schemas))
	for n := range d.Components.Schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := d.Components.Schemas[n]
		ds := docsSchema{Name: n}
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		slices.Sort(props)
		for _, p := range props {
			ps := s.Properties[p]
			ds.Fields = append(ds.Fields, docsField{Name: p, Type: schemaName(ps), Description: ps.Description,
				Required: slices.Contains(s.Required, p)})
		}
		page.Schemas = append(page.Schemas, ds)
	}
	tmpl, err := template.New("docs").Parse(docsTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, page)
	return buf.Bytes(), err
})

// schemaName describes a schema in a few words: its $ref name, or its
// type(s) and enum.
func schemaName(s *Schema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]
	}
	t := strings.Join(s.Types(), " or ")
	if s.Items != nil {
		t += " of " + schemaName(s.Items)
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			if str, ok := v.(string); ok {
				vals = append(vals, str)
			}
		}
		t += ": " + strings.Join(vals, ", ")
	}
	return t
}

// docs serves the API reference as plain HTML: no script, styles from our
// own stylesheet, so it passes the site's CSP.
func (h *Handler) docs(w http.ResponseWriter, r *http.Request) {
	page, err := renderDocs()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(page)
}

func (h *Handler) docsCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(docsStyle)
}
