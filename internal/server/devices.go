package server

import (
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// The "Signed-in devices" page: a person's sessions (browser, address,
// first and last seen, sign-in method) with sign-out per device; admins see
// and end anyone's sessions and API tokens, audited.

// profileDevices is GET /profile/devices.
func (s *Server) profileDevices(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	list, err := s.DB.Sessions(r.Context(), u.ID, s.Sessions.CurrentHash(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.Devices(web.DevicesPage{Page: s.page(r, "Signed-in devices", "profile"),
		Base: "/profile/devices", Sessions: list}))
	return nil
}

// endDevice is POST /profile/devices/{id}/end.
func (s *Server) endDevice(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	current := false
	if list, err := s.DB.Sessions(r.Context(), u.ID, s.Sessions.CurrentHash(r)); err == nil {
		for _, x := range list {
			current = current || (x.ID == id && x.Current)
		}
	}
	if err := s.DB.EndSession(r.Context(), u.ID, u.ID, id); err != nil {
		return err
	}
	s.Sessions.Forget()
	if current {
		seeOther(w, r, "/login", "You are signed out.")
		return nil
	}
	seeOther(w, r, "/profile/devices", "That device is signed out.")
	return nil
}

// personDevices is GET /admin/people/{id}/devices (admins only).
func (s *Server) personDevices(w http.ResponseWriter, r *http.Request) error {
	person, err := s.adminOnlyPerson(r)
	if err != nil {
		return err
	}
	list, err := s.DB.Sessions(r.Context(), person.ID, s.Sessions.CurrentHash(r))
	if err != nil {
		return err
	}
	toks, err := s.Tokens.List(r.Context(), person.ID)
	if err != nil {
		return err
	}
	v := web.DevicesPage{Page: s.page(r, "Devices of "+person.Name, "admin"), Person: person.Name,
		Base: "/admin/people/" + strconv.FormatInt(person.ID, 10) + "/devices", Sessions: list}
	now := time.Now()
	for _, t := range toks {
		v.Tokens = append(v.Tokens, web.TokenRow{ID: t.ID, Name: t.Name, Scope: string(t.Scope), CreatedAt: t.CreatedAt,
			ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, Revoked: t.RevokedAt != nil, Expired: t.RevokedAt == nil && !t.Active(now)})
	}
	s.render(w, r, http.StatusOK, web.Devices(v))
	return nil
}

// endPersonDevice is POST /admin/people/{id}/devices/{sid}/end.
func (s *Server) endPersonDevice(w http.ResponseWriter, r *http.Request) error {
	person, err := s.adminOnlyPerson(r)
	if err != nil {
		return err
	}
	sid, err := pathID(r, "sid")
	if err != nil {
		return err
	}
	if err := s.DB.EndSession(r.Context(), CurrentUser(r.Context()).ID, person.ID, sid); err != nil {
		return err
	}
	s.Sessions.Forget()
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(person.ID, 10)+"/devices", "The session is ended.")
	return nil
}

// revokePersonToken is POST /admin/people/{id}/tokens/{tid}/revoke.
func (s *Server) revokePersonToken(w http.ResponseWriter, r *http.Request) error {
	person, err := s.adminOnlyPerson(r)
	if err != nil {
		return err
	}
	tid, err := pathID(r, "tid")
	if err != nil {
		return err
	}
	if err := s.Tokens.RevokeBy(r.Context(), CurrentUser(r.Context()).ID, person.ID, tid); err != nil {
		return err
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(person.ID, 10)+"/devices", "The token is revoked.")
	return nil
}

// adminOnlyPerson returns the person of the URL for an admin; everyone else
// (leads included) gets 404, as for any admin-only page.
func (s *Server) adminOnlyPerson(r *http.Request) (*helpdesk.User, error) {
	if u := CurrentUser(r.Context()); u == nil || u.Role != helpdesk.RoleAdmin {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Page not found.")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.DB.ActiveUser(r.Context(), id)
}
