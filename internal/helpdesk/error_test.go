package helpdesk

import (
	"errors"
	"testing"
)

func TestWrapOp(t *testing.T) {
	wrapped := func(in error) (err error) {
		err = in
		defer WrapOp(&err, "merge ticket %d into %d", 7, 9)
		return err
	}
	if err := wrapped(nil); err != nil {
		t.Fatalf("nil error became %v", err)
	}
	cause := errors.New("connection reset")
	err := wrapped(cause)
	if err.Error() != "merge ticket 7 into 9: connection reset" || !errors.Is(err, cause) {
		t.Errorf("internal error: %v", err)
	}
	// What users see and what the adapters map stays that of the cause.
	err = wrapped(Errorf(ENOTFOUND, "No such ticket."))
	if ErrorCode(err) != ENOTFOUND || ErrorMessage(err) != "No such ticket." {
		t.Errorf("helpdesk error: code %q, message %q", ErrorCode(err), ErrorMessage(err))
	}
}
