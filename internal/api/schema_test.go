package api_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/api"
)

var (
	docOnce sync.Once
	doc     *api.Document
	docErr  error
)

func document(t testing.TB) *api.Document {
	t.Helper()
	docOnce.Do(func() { doc, docErr = api.ParseDocument() })
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return doc
}

// pathRE turns "/api/v1/tickets/{number}" into a regexp for request paths.
func pathRE(p string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
}

// validateResponse checks one observed answer against the document: the
// operation and its status must be documented, and a JSON body must match
// the documented schema.
func validateResponse(d *api.Document, method, path string, status int, contentType string, body []byte) error {
	var ops map[string]*api.Operation
	for p := range d.Paths {
		if pathRE(p).MatchString(path) {
			var err error
			if ops, err = d.Operations(p); err != nil {
				return err
			}
			break
		}
	}
	if ops == nil {
		// Unknown paths cannot be documented; they must still answer with
		// a problem.
		if status == 404 && strings.HasPrefix(contentType, "application/problem+json") {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				return err
			}
			return validate(d, d.Components.Schemas["Problem"], v, "$")
		}
		return fmt.Errorf("%s is not in the document", path)
	}
	op := ops[method]
	if op == nil {
		if status == 405 {
			return nil
		}
		return fmt.Errorf("%s %s is not in the document", method, path)
	}
	r := op.Responses[fmt.Sprint(status)]
	if r == nil {
		return fmt.Errorf("%s %s: status %d is not documented", method, path, status)
	}
	if r.Ref != "" {
		r = d.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
	}
	ct, _, _ := strings.Cut(contentType, ";")
	mt, ok := r.Content[ct]
	if !ok {
		mt, ok = r.Content["*/*"]
	}
	if !ok {
		return fmt.Errorf("%s %s %d: content type %q is not documented", method, path, status, ct)
	}
	if !strings.Contains(ct, "json") || mt.Schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %w", method, path, status, err)
	}
	if err := validate(d, mt.Schema, v, "$"); err != nil {
		return fmt.Errorf("%s %s %d: %w", method, path, status, err)
	}
	return nil
}

// validate is the JSON Schema subset the document uses: $ref, type (a name
// or a list, which is how 3.1 says nullable), enum, properties, required,
// additionalProperties false and items.
func validate(d *api.Document, s *api.Schema, v any, at string) error {
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		ref, ok := d.Components.Schemas[name]
		if !ok {
			return fmt.Errorf("%s: unknown $ref %s", at, s.Ref)
		}
		return validate(d, ref, v, at)
	}
	// An integer is also a JSON Schema number.
	if types := s.Types(); len(types) > 0 && !slices.Contains(types, jsonType(v)) &&
		(jsonType(v) != "integer" || !slices.Contains(types, "number")) {
		return fmt.Errorf("%s: %s is not %s", at, jsonType(v), strings.Join(types, " or "))
	}
	if len(s.Enum) > 0 && v != nil && !slices.Contains(s.Enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, s.Enum)
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := x[r]; !ok {
				return fmt.Errorf("%s: required %q is missing", at, r)
			}
		}
		for k, fv := range x {
			ps, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					return fmt.Errorf("%s: %q is not in the schema", at, k)
				}
				continue
			}
			if err := validate(d, ps, fv, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if s.Items != nil {
			for i, e := range x {
				if err := validate(d, s.Items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// TestValidatorCatches makes sure the validator can fail: a schema check
// that passes everything would make the response checks worthless.
func TestValidatorCatches(t *testing.T) {
	t.Parallel()
	d := document(t)
	good := `{"number":1,"url":"/api/v1/tickets/1","subject":"s","status":"new","priority":"P3","impact":"person","urgency":"low",
	"category":null,"team":null,"team_name":null,"assignee":null,"assignee_name":null,"requester":"a@example.com","requester_name":"A",
	"source":"api","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","first_response_due":null,
	"resolution_due":null,"first_responded_at":null,"resolved_at":null,"parent":null,"children_count":0}`
	if err := validateResponse(d, "GET", "/api/v1/tickets/1", 200, "application/json", []byte(good)); err != nil {
		t.Fatalf("valid ticket rejected: %v", err)
	}
	for name, bad := range map[string]string{
		"missing field":  strings.Replace(good, `"subject":"s",`, "", 1),
		"bad enum":       strings.Replace(good, `"status":"new"`, `"status":"lost"`, 1),
		"wrong type":     strings.Replace(good, `"number":1`, `"number":"1"`, 1),
		"null not typed": strings.Replace(good, `"requester":"a@example.com"`, `"requester":null`, 1),
		"extra field":    strings.Replace(good, `"number":1`, `"number":1,"secret":true`, 1),
	} {
		if err := validateResponse(d, "GET", "/api/v1/tickets/1", 200, "application/json", []byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := validateResponse(d, "GET", "/api/v1/tickets/1", 418, "application/json", []byte(good)); err == nil {
		t.Error("undocumented status accepted")
	}
}
