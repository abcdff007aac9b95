package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// localTimeLayout is what a datetime-local input posts.
const localTimeLayout = "2006-01-02T15:04"

// undoRangeForm reads the range undo form; the times are in the user's
// time zone, as the form says.
func undoRangeForm(v url.Values, loc *time.Location) (automation.UndoRange, error) {
	var q automation.UndoRange
	var val helpdesk.Validation
	if s := strings.TrimSpace(v.Get("undo_version")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			val.Add("undo_version", "Give a version number.")
		}
		q.Version = n
	}
	parse := func(field string, dst *time.Time) {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return
		}
		t, err := time.ParseInLocation(localTimeLayout, s, loc)
		if err != nil {
			val.Add(field, "Give a date and time, e.g. 2026-03-01T09:00.")
		}
		*dst = t
	}
	parse("undo_from", &q.From)
	parse("undo_to", &q.To)
	return q, val.Err()
}

// undoFieldsPrefixed moves the service's field names (version, from, to)
// to the form's (undo_version, …), so each message sits at its input.
func undoFieldsPrefixed(err error) error {
	if !isInvalid(err) {
		return err
	}
	var v helpdesk.Validation
	for _, f := range helpdesk.FieldErrors(err) {
		if !strings.HasPrefix(f.Field, "undo_") {
			f.Field = "undo_" + f.Field
		}
		v.Add(f.Field, f.Message)
	}
	return v.Err()
}

// adminRuleUndoRange is POST /admin/rules/{id}/undo: undoes every run of
// one version of the rule in a time range and shows what went back.
func (s *Server) adminRuleUndoRange(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	u := CurrentUser(r.Context())
	rule, _, err := s.Automation.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	q, err := undoRangeForm(r.PostForm, u.Location())
	var rb *automation.Rollback
	if err == nil {
		rb, err = s.Automation.RollbackRange(r.Context(), u, id, q)
	}
	if isInvalid(err) {
		runs, rerr := s.Automation.RunsWithChanges(r.Context(), u, id, 20)
		if rerr != nil {
			return rerr
		}
		return s.renderRule(w, r, web.AdminRulePage{Rule: rule, Runs: runs, Form: web.NewForm(ruleValues(rule), nil),
			UndoForm: web.NewForm(r.PostForm, undoFieldsPrefixed(err))})
	} else if err != nil {
		return err
	}
	version := q.Version
	if version == 0 {
		version = rule.Version
	}
	to := strings.TrimSpace(r.PostForm.Get("undo_to"))
	if to == "" {
		to = "now"
	}
	s.render(w, r, http.StatusOK, web.AdminRangeUndo(web.AdminRangeUndoPage{Page: s.adminPage(r, "Runs undone"), Rule: rule,
		Version: version, From: r.PostForm.Get("undo_from"), To: to, Undo: rb}))
	return nil
}

// undoFormFor is the range undo form's starting values: the current
// version, from a day ago.
func undoFormFor(rule *helpdesk.Rule, loc *time.Location, now time.Time) web.Form {
	return web.NewForm(url.Values{"undo_version": {fmt.Sprint(rule.Version)},
		"undo_from": {now.Add(-24 * time.Hour).In(loc).Format(localTimeLayout)}}, nil)
}
