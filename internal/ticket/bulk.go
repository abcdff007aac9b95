package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
)

// MaxBulk bounds one bulk action, so a request cannot hold the database for
// minutes.
const MaxBulk = 200

// BulkResult says what a bulk action did.
type BulkResult struct {
	Changed int
	Failed  map[int64]string // ticket number -> the user-facing reason
}

// Bulk applies the same changes to several tickets through Update, one
// transaction and one event per ticket and field, so the audit trail reads
// as if each had been changed by hand. A ticket that fails (gone, not
// visible, invalid) is reported and the others still change.
func (s *Service) Bulk(ctx context.Context, actor *helpdesk.User, numbers []int64, c Changes) (_ BulkResult, err error) {
	defer helpdesk.WrapOp(&err, "bulk change of %d tickets", len(numbers))
	res := BulkResult{Failed: map[int64]string{}}
	if !actor.IsStaff() {
		return res, notFound()
	}
	switch {
	case len(numbers) == 0:
		return res, invalidField("tickets", "Select at least one ticket.")
	case len(numbers) > MaxBulk:
		return res, invalidField("tickets", "Select at most "+itoa(MaxBulk)+" tickets at once.")
	case c.Status == nil && c.Priority == nil && c.Assignee == nil:
		return res, invalidField("action", "Choose what to change.")
	}
	for _, n := range numbers {
		if _, err := s.Update(ctx, actor, n, c); err != nil {
			if helpdesk.ErrorCode(err) == helpdesk.EINTERNAL {
				return res, err
			}
			res.Failed[n] = helpdesk.ErrorMessage(err)
			continue
		}
		res.Changed++
	}
	return res, nil
}
