package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"switchboard/internal/helpdesk"
)

// readBody reads at most limit bytes of the body; more is a 413 problem.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge, slug: "too-large",
			detail: fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit)}
	}
	return body, err
}

// decodeJSON reads a JSON object into dst and returns the raw bytes (the
// idempotency check hashes them). Unknown fields are rejected by name, so a
// misspelt "priorty" is an error rather than silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type",
				detail: "Send the body as application/json."}
		}
	}
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badJSON("The body must hold one JSON object and nothing after it.")
	}
	return body, nil
}

// jsonError turns a decoding error into a problem naming the field.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var fe *fieldError
	msg := err.Error()
	switch {
	case errors.As(err, &fe):
		return helpdesk.Invalid(fe.field, fe.msg)
	case errors.As(err, &typ) && typ.Field != "":
		return helpdesk.Invalid(typ.Field, fmt.Sprintf("%s must be a JSON %s.", typ.Field, jsonKind(typ.Type.Kind().String())))
	case errors.As(err, &typ):
		return badJSON("The body must be a JSON object.")
	case strings.HasPrefix(msg, "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return helpdesk.Invalid(name, fmt.Sprintf("Unknown field %q; see /api/v1/openapi.json for the fields this request takes.", name))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badJSON("The body is not valid JSON.")
	}
	return badJSON("The body is not valid JSON: " + msg)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

func badJSON(detail string) error {
	return &httpError{status: http.StatusBadRequest, slug: "bad-request", detail: detail}
}

// fieldError lets a custom UnmarshalJSON name its field.
type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// optString is a JSON field that may be absent (Set false), null (Null) or
// a string; PATCH needs all three.
type optString struct {
	Set  bool
	Null bool
	V    string
}

// UnmarshalJSON is only called when the key is present.
func (o *optString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// ptr returns nil when absent, "" for null, else the value.
func (o optString) ptr() *string {
	if !o.Set {
		return nil
	}
	s := o.V
	return &s
}
