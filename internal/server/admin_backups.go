package server

import (
	"fmt"
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// adminBackups is GET /admin/backups (admins only): the schedule of the
// embedded default's backups, the last outcome and the files kept.
func (s *Server) adminBackups(w http.ResponseWriter, r *http.Request) error {
	if u := CurrentUser(r.Context()); u == nil || u.Role != helpdesk.RoleAdmin {
		s.notFound(w, r)
		return nil
	}
	v := web.AdminBackupsPage{Page: s.adminPage(r, "Backups")}
	if s.Backups == nil {
		v.Off = "Switchboard uses DATABASE_URL, so the database's own backups apply (or run switchboard backup from a timer), or SWITCHBOARD_BACKUP_EVERY is off."
	} else {
		st := s.Backups.Status()
		v.On, v.Dir, v.Every, v.Keep, v.LastError = true, st.Dir, st.Every.String(), st.Keep, st.LastError
		if !st.LastOK.IsZero() {
			v.LastOK = v.LocalTime(st.LastOK)
		}
		if !st.LastErrorAt.IsZero() {
			v.ErrorAt = v.LocalTime(st.LastErrorAt)
		}
		if !st.Next.IsZero() {
			v.Next = v.LocalTime(st.Next)
		}
		for _, f := range st.Files {
			v.Files = append(v.Files, web.BackupFile{Name: f.Name, Taken: v.LocalTime(f.Taken), Size: fmt.Sprintf("%.1f MB", float64(f.Size)/(1<<20))})
		}
	}
	s.render(w, r, http.StatusOK, web.AdminBackups(v))
	return nil
}
