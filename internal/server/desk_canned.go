package server

import (
	"net/http"
	"strconv"

	"switchboard/internal/admin"
	"switchboard/internal/ticket"
	"switchboard/web"
)

// cannedForm builds the canned replies page; edit picks the reply to edit.
func (s *Server) cannedForm(r *http.Request, edit int64) (web.CannedForm, error) {
	u := CurrentUser(r.Context())
	list, err := s.Tickets.CannedReplies(r.Context(), u)
	if err != nil {
		return web.CannedForm{}, err
	}
	v := web.CannedForm{Page: s.page(r, "Canned replies", "desk"), Errors: map[string]string{},
		CanEdit: admin.IsLead(u)}
	for _, c := range list {
		row := web.CannedRow{ID: c.ID, TeamName: c.TeamName, Title: c.Title, Body: c.Body}
		if c.TeamID != nil {
			row.Team = strconv.FormatInt(*c.TeamID, 10)
		}
		v.Replies = append(v.Replies, row)
		if c.ID == edit {
			v.Edit = row
		}
	}
	teams, err := s.DB.Teams(r.Context())
	if err != nil {
		return v, err
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	return v, nil
}

// canned is GET /desk/canned: every agent reads the list, leads edit.
func (s *Server) canned(w http.ResponseWriter, r *http.Request) error {
	edit, _ := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64)
	v, err := s.cannedForm(r, edit)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.CannedPage(v))
	return nil
}

// saveCanned is POST /desk/canned: create (id 0) or update.
func (s *Server) saveCanned(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	in := ticket.CannedInput{Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	if t, err := strconv.ParseInt(r.PostFormValue("team"), 10, 64); err == nil {
		in.TeamID = &t
	}
	_, err := s.Tickets.SaveCanned(r.Context(), CurrentUser(r.Context()), id, in)
	if isInvalid(err) {
		v, ferr := s.cannedForm(r, 0)
		if ferr != nil {
			return ferr
		}
		v.Edit = web.CannedRow{ID: id, Team: r.PostFormValue("team"), Title: in.Title, Body: in.Body}
		v.Errors = fieldErrors(err)
		s.render(w, r, http.StatusUnprocessableEntity, web.CannedPage(v))
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/desk/canned", "Canned reply saved.")
	return nil
}

// deleteCanned is POST /desk/canned/{id}/delete.
func (s *Server) deleteCanned(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.DeleteCanned(r.Context(), CurrentUser(r.Context()), id); err != nil {
		return err
	}
	seeOther(w, r, "/desk/canned", "Canned reply deleted.")
	return nil
}
