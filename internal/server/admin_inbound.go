package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// exampleMapping is the mapping the new-webhook form starts with: an
// alerting tool's payload, one ticket per alert id.
const exampleMapping = `{
  "external_id": "/id",
  "subject": "/title",
  "description": "/details",
  "requester_email": "/reporter",
  "urgency": "/severity",
  "status": "/state",
  "comment": "/update",
  "values": {
    "urgency": {"page": "critical", "warn": "medium"},
    "status": {"ok": "resolved"}
  }
}`

// adminInbound is GET /admin/inbound (admins only): the inbound webhooks
// and a form for a new one.
func (s *Server) adminInbound(w http.ResponseWriter, r *http.Request) error {
	return s.renderInbound(w, r, web.NewForm(url.Values{"mapping": {exampleMapping}}, nil), nil)
}

// adminCreateInbound is POST /admin/inbound: saves a webhook and shows its
// token once (only its hash is kept).
func (s *Server) adminCreateInbound(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	h, token, err := s.Automation.CreateInbound(r.Context(), CurrentUser(r.Context()), automation.InboundInput{
		Name: r.PostForm.Get("name"), Team: r.PostForm.Get("team"), Mapping: r.PostForm.Get("mapping")})
	if isInvalid(err) {
		return s.renderInbound(w, r, web.NewForm(r.PostForm, err), nil)
	} else if err != nil {
		return err
	}
	return s.renderInbound(w, r, web.NewForm(url.Values{"mapping": {exampleMapping}}, nil),
		&web.InboundToken{HookID: h.ID, Name: h.Name, Token: token, URL: s.inboundURL(h.ID)})
}

// adminRotateInbound is POST /admin/inbound/{id}/rotate: a new token,
// shown once; the old one stops working at once.
func (s *Server) adminRotateInbound(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	token, err := s.Automation.RotateInbound(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	return s.renderInbound(w, r, web.NewForm(url.Values{"mapping": {exampleMapping}}, nil),
		&web.InboundToken{HookID: id, Token: token, URL: s.inboundURL(id), Rotated: true})
}

// adminInboundActive is POST /admin/inbound/{id}/active (active=on|off).
func (s *Server) adminInboundActive(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	on := r.PostForm.Get("active") == "on"
	if err := s.Automation.SetInboundActive(r.Context(), CurrentUser(r.Context()), id, on); err != nil {
		return err
	}
	msg := "Inbound webhook turned off."
	if on {
		msg = "Inbound webhook turned on."
	}
	seeOther(w, r, "/admin/inbound", msg)
	return nil
}

func (s *Server) inboundURL(id int64) string {
	return fmt.Sprintf("%s/api/v1/inbound/%d", strings.TrimRight(s.Config.BaseURL, "/"), id)
}

func (s *Server) renderInbound(w http.ResponseWriter, r *http.Request, form web.Form, tok *web.InboundToken) error {
	u := CurrentUser(r.Context())
	if u == nil || u.Role != helpdesk.RoleAdmin {
		s.notFound(w, r)
		return nil
	}
	hooks, err := s.Automation.InboundHooks(r.Context(), u)
	if err != nil {
		return err
	}
	teams, err := s.teamSlugOptions(r)
	if err != nil {
		return err
	}
	v := web.AdminInboundPage{Page: s.adminPage(r, "Inbound webhooks"), Hooks: hooks, Form: form, Token: tok,
		Teams: append([]web.Option{{Value: "", Label: "None: triage routes the tickets"}}, teams...)}
	for i := range hooks {
		v.URLs = append(v.URLs, s.inboundURL(hooks[i].ID))
	}
	s.render(w, r, status422(form), web.AdminInbound(v))
	return nil
}
