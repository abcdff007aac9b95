package helpdesk

import (
	"errors"
	"fmt"
)

// Error codes. Adapters map them once: HTTP in server/api, exit codes in cli.
const (
	ENOTFOUND  = "not_found"
	EINVALID   = "invalid"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
	EUNAUTH    = "unauthorized"
	ETOOMANY   = "too_many_requests"
	// EUNAVAILABLE: the database cannot be reached; try again later.
	EUNAVAILABLE = "unavailable"
)

// FieldError is one problem with one named input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error with a code, a message safe to show the user and,
// for validation, the per-field problems.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
	}
	return e.Code + ": " + e.Message
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; foreign errors get a
// generic text so internal details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldErrors returns the per-field problems carried by err, if any.
func FieldErrors(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct{ fields []FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, message string) {
	v.fields = append(v.fields, FieldError{field, message})
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an EINVALID *Error listing the problems, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Please correct the highlighted fields.", Fields: v.fields}
}

// Invalid is a validation error about one field.
func Invalid(field, message string) error {
	var v Validation
	v.Add(field, message)
	return v.Err()
}

// WrapOp prefixes a non-nil *err with the operation that failed, so that an
// internal error logged far from its cause (a handler's 500) says where it
// happened. The code, message and fields of a helpdesk *Error survive: the
// functions above find it with errors.As. Service entry points defer it:
//
//	func (s *Service) Merge(ctx context.Context, …, number, into int64) (_ *Ticket, err error) {
//		defer helpdesk.WrapOp(&err, "merge ticket %d into %d", number, into)
func WrapOp(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf(format+": %w", append(args, *err)...)
	}
}
