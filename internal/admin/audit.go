package admin

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/sla"
)

// AuditQuery is the audit page's filter form, as typed.
type AuditQuery struct {
	Actor, Object, ObjectID, From, To string
}

// Filter turns the form into a filter; dates are whole days in loc (the
// viewer's zone), "to" inclusive. A date that does not parse is reported
// and left out of the filter, so the page still lists something.
func (q AuditQuery) Filter(loc *time.Location) (helpdesk.AuditFilter, error) {
	var v helpdesk.Validation
	f := helpdesk.AuditFilter{Actor: strings.TrimSpace(q.Actor), ObjectType: strings.TrimSpace(q.Object),
		ObjectID: strings.TrimSpace(q.ObjectID)}
	if q.From != "" {
		t, err := time.ParseInLocation(sla.DateLayout, q.From, loc)
		if err != nil {
			v.Add("from", "Enter a date.")
		} else {
			f.From = t
		}
	}
	if q.To != "" {
		t, err := time.ParseInLocation(sla.DateLayout, q.To, loc)
		if err != nil {
			v.Add("to", "Enter a date.")
		} else {
			f.To = t.AddDate(0, 0, 1)
		}
	}
	return f, v.Err()
}

// Audit lists admin changes (admins only).
func (s *Service) Audit(ctx context.Context, actor *helpdesk.User, f helpdesk.AuditFilter) ([]helpdesk.AuditEntry, []string, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, nil, err
	}
	entries, err := s.db.AuditLog(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	types, err := s.db.AuditObjectTypes(ctx)
	return entries, types, err
}

// MaxAuditExport bounds one CSV export.
const MaxAuditExport = 100000

// WriteAuditCSV writes entries as CSV with times in loc. Cells that a
// spreadsheet would run as a formula (starting with = + - @, tab or CR)
// get a leading apostrophe, so an exported audit log cannot attack whoever
// opens it.
func WriteAuditCSV(w io.Writer, entries []helpdesk.AuditEntry, loc *time.Location) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "time", "actor_email", "actor_name", "object_type", "object_id", "action", "before", "after"})
	for _, e := range entries {
		rec := []string{strconv.FormatInt(e.ID, 10), e.CreatedAt.In(loc).Format(time.RFC3339), e.ActorEmail, e.ActorName,
			e.ObjectType, e.ObjectID, e.Action, e.Before, e.After}
		for i := range rec {
			rec[i] = CSVSafe(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe neutralises a cell a spreadsheet would treat as a formula.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
