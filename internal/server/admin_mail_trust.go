package server

import (
	"net/http"
	"net/url"
	"strings"

	"switchboard/web"
)

// adminMailTrust is GET /admin/mail/trust (admins only): the sender-trust
// settings in force, saved or from the environment.
func (s *Server) adminMailTrust(w http.ResponseWriter, r *http.Request) error {
	set, saved, err := s.Admin.MailTrust(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"authserv_ids": {strings.Join(set.AuthServIDs, "\n")},
		"org_domains": {strings.Join(set.OrgDomains, "\n")}, "relays": {strings.Join(set.Relays, "\n")}}, nil)
	s.render(w, r, http.StatusOK, web.AdminMailTrust(web.AdminMailTrustPage{Page: s.adminPage(r, "Sender trust"), Form: f, Saved: saved}))
	return nil
}

// adminSaveMailTrust is POST /admin/mail/trust: on a mistake the page comes
// back with 422, the message at its field and the input kept.
func (s *Server) adminSaveMailTrust(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	err := s.Admin.SetMailTrust(r.Context(), CurrentUser(r.Context()), r.PostForm)
	if isInvalid(err) {
		_, saved, lerr := s.Admin.MailTrust(r.Context(), CurrentUser(r.Context()))
		if lerr != nil {
			return lerr
		}
		f := web.NewForm(r.PostForm, err)
		s.render(w, r, status422(f), web.AdminMailTrust(web.AdminMailTrustPage{Page: s.adminPage(r, "Sender trust"), Form: f, Saved: saved}))
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail/trust", "Sender trust saved; intake uses it from the next mail.")
	return nil
}
