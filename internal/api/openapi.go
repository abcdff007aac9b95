package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDoc is the hand-written OpenAPI 3.1 description of the API. A test
// checks that every route is in it and that every answer the tests see
// validates against its schemas, so it cannot drift from the code unnoticed.
//
//go:embed openapi.json
var openAPIDoc []byte

// Document is the parsed OpenAPI document, as much of it as the docs page
// and the tests read.
type Document struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]*Schema   `json:"schemas"`
		Responses map[string]*Response `json:"responses"`
	} `json:"components"`
}

// Operation is one method on one path.
type Operation struct {
	OperationID string               `json:"operationId"`
	Summary     string               `json:"summary"`
	Description string               `json:"description"`
	Parameters  []Parameter          `json:"parameters"`
	RequestBody *Body                `json:"requestBody"`
	Responses   map[string]*Response `json:"responses"`
	Security    *[]any               `json:"security"`
}

// Parameter is a path, query or header parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *Schema `json:"schema"`
}

// Body is a request body.
type Body struct {
	Required bool                 `json:"required"`
	Content  map[string]MediaType `json:"content"`
}

// Response is one status's answer, or a $ref to a shared one.
type Response struct {
	Ref         string               `json:"$ref"`
	Description string               `json:"description"`
	Content     map[string]MediaType `json:"content"`
}

// MediaType holds the schema of one content type.
type MediaType struct {
	Schema *Schema `json:"schema"`
}

// Schema is the JSON Schema subset the document uses: type (a name or a
// list, for nullable), enum, properties, required, additionalProperties,
// items and $ref.
type Schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"`
	Enum                 []any              `json:"enum"`
	Properties           map[string]*Schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties *bool              `json:"additionalProperties"`
	Items                *Schema            `json:"items"`
	Description          string             `json:"description"`
	Format               string             `json:"format"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MaxLength            *int               `json:"maxLength"`
}

// Types returns the schema's type names.
func (s *Schema) Types() []string {
	switch t := s.Type.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ParseDocument parses the embedded document.
func ParseDocument() (*Document, error) {
	var d Document
	err := json.Unmarshal(openAPIDoc, &d)
	return &d, err
}

// Operations returns the path's operations by method (upper case).
func (d *Document) Operations(path string) (map[string]*Operation, error) {
	out := map[string]*Operation{}
	for k, raw := range d.Paths[path] {
		if k == "parameters" {
			continue
		}
		var op Operation
		if err := json.Unmarshal(raw, &op); err != nil {
			return nil, err
		}
		out[upper(k)] = &op
	}
	return out, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// openAPI serves the document; it needs no token.
func (h *Handler) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}
