package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// The approvals pages (issue 17) are for whoever is asked to approve: a
// manager is often a requester-role person, so they sit among the pages of
// every signed-in user, and the service decides who sees what (approvers,
// and staff who may see the ticket; anyone else gets 404).

// approvals is GET /approvals: what waits for the viewer's decision.
func (s *Server) approvals(w http.ResponseWriter, r *http.Request) error {
	if s.Approvals == nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Approvals are not running.")
	}
	pending, decided, err := s.Approvals.ForApprover(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.Approvals(web.ApprovalsPage{Page: s.page(r, "Approvals", "approvals"),
		Pending: pending, Decided: decided}))
	return nil
}

// approval is GET /approvals/{id}.
func (s *Server) approval(w http.ResponseWriter, r *http.Request) error {
	return s.renderApproval(w, r, http.StatusOK, web.NewForm(nil, nil))
}

func (s *Server) renderApproval(w http.ResponseWriter, r *http.Request, status int, f web.Form) error {
	if s.Approvals == nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Approvals are not running.")
	}
	u := CurrentUser(r.Context())
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	a, err := s.Approvals.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	s.render(w, r, status, web.Approval(web.ApprovalPage{Page: s.page(r, "Approval #"+strconv.FormatInt(a.Number, 10), "approvals"),
		A: *a, MayDecide: a.Status == helpdesk.ApprovalPending && a.IsApprover(u.ID), Form: f}))
	return nil
}

// decideApproval is POST /approvals/{id}: decision=approve|decline and a
// comment. A refused decline is shown again with the comment kept.
func (s *Server) decideApproval(w http.ResponseWriter, r *http.Request) error {
	if s.Approvals == nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Approvals are not running.")
	}
	_ = r.ParseForm()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d := automation.Decision{Approve: r.PostForm.Get("decision") == "approve", Comment: r.PostForm.Get("comment"), Via: automation.ViaWeb}
	if v := r.PostForm.Get("decision"); v != "approve" && v != "decline" {
		return helpdesk.Invalid("decision", "Choose approve or decline.")
	}
	a, err := s.Approvals.Decide(r.Context(), CurrentUser(r.Context()), id, d)
	switch helpdesk.ErrorCode(err) {
	case "":
	case helpdesk.EINVALID, helpdesk.ECONFLICT:
		return s.renderApproval(w, r, StatusOf(err), web.NewForm(r.PostForm, err))
	default:
		return err
	}
	seeOther(w, r, "/approvals", "Request #"+strconv.FormatInt(a.Number, 10)+" "+a.Status+".")
	return nil
}
