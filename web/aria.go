package web

import "github.com/a-h/templ"

// ariaInvalid marks a form control invalid when bad. Written out rather than
// templ's boolean form (aria-invalid?={ bad }): that writes a bare
// aria-invalid, whose empty value ARIA defines as "false", so screen readers
// did not announce the field as invalid and [aria-invalid="true"] styles
// missed it.
func ariaInvalid(bad bool) templ.Attributes {
	if bad {
		return templ.Attributes{"aria-invalid": "true"}
	}
	return templ.Attributes{}
}

// ariaError is ariaInvalid plus aria-describedby pointing at the field's
// FieldError slot (id + "-error"), for fields whose message slot is not
// always rendered; a reference to a missing id would be an ARIA error.
func ariaError(bad bool, id string) templ.Attributes {
	if bad {
		return templ.Attributes{"aria-invalid": "true", "aria-describedby": id + "-error"}
	}
	return templ.Attributes{}
}
