package server

import (
	"net/http"
	"net/url"

	"switchboard/internal/admin"
	"switchboard/web"
)

func auditQuery(r *http.Request) (admin.AuditQuery, url.Values) {
	q := r.URL.Query()
	return admin.AuditQuery{Actor: q.Get("actor"), Object: q.Get("object"), ObjectID: q.Get("object_id"),
		From: q.Get("from"), To: q.Get("to")}, q
}

// adminAudit shows the audit log filtered by person, object and dates (in
// the viewer's zone).
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	aq, vals := auditQuery(r)
	f, ferr := aq.Filter(u.Location())
	entries, types, err := s.Admin.Audit(r.Context(), u, f)
	if err != nil {
		return err
	}
	v := web.AdminAuditPage{Page: s.adminPage(r, "Audit log"), Entries: entries, Types: types,
		Filter: web.NewForm(vals, ferr), CSVURL: "/admin/audit.csv?" + vals.Encode()}
	s.render(w, r, status422(v.Filter), web.AdminAudit(v))
	return nil
}

// adminAuditCSV exports the same filter as CSV.
func (s *Server) adminAuditCSV(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	aq, _ := auditQuery(r)
	f, err := aq.Filter(u.Location())
	if err != nil {
		return err
	}
	f.Limit = admin.MaxAuditExport
	entries, _, err := s.Admin.Audit(r.Context(), u, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="switchboard-audit.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return admin.WriteAuditCSV(w, entries, u.Location())
}
