package server

import (
	"encoding/json"
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

// The rules pages (/admin/rules) are the web face of the automation API:
// leads and admins, with the very same service calls, so a lead sees and
// saves only their teams' rules and a bad condition is refused by the same
// validation the API uses (422, message at the field, input kept).

// ruleForm turns a posted form into the service's input.
func ruleForm(v url.Values) (automation.RuleInput, error) {
	in := automation.RuleInput{Name: strings.TrimSpace(v.Get("name")), Trigger: v.Get("trigger"),
		Every: strings.TrimSpace(v.Get("every")), Condition: v.Get("condition"),
		Enabled: v.Get("enabled") == "on", Team: v.Get("team")}
	if a := strings.TrimSpace(v.Get("actions")); a != "" {
		if err := json.Unmarshal([]byte(a), &in.Actions); err != nil {
			return in, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: []helpdesk.FieldError{{Field: "actions", Message: "Actions must be a JSON list, e.g. [{\"type\":\"set\",\"field\":\"priority\",\"value\":\"high\"}]: " + err.Error()}}}
		}
	}
	return in, nil
}

// ruleValues is a stored rule as form values (the edit form).
func ruleValues(r *helpdesk.Rule) url.Values {
	in := automation.ToInput(r)
	acts, _ := json.MarshalIndent(in.Actions, "", "  ")
	v := url.Values{"name": {in.Name}, "trigger": {in.Trigger}, "every": {in.Every}, "condition": {in.Condition},
		"actions": {string(acts)}, "team": {in.Team}}
	if in.Enabled {
		v.Set("enabled", "on")
	}
	return v
}

// adminRules is GET /admin/rules: the rules the user may manage.
func (s *Server) adminRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := s.Automation.List(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.AdminRules(web.AdminRulesPage{Page: s.adminPage(r, "Rules"), Rules: rules}))
	return nil
}

// adminNewRule is GET /admin/rules/new.
func (s *Server) adminNewRule(w http.ResponseWriter, r *http.Request) error {
	return s.renderRule(w, r, web.AdminRulePage{Form: web.NewForm(url.Values{"trigger": {helpdesk.TriggerCreated}, "actions": {"[]"}}, nil)})
}

// adminSaveRule is POST /admin/rules (create) and POST /admin/rules/{id}
// (edit), or, with action=preview, a dry-run of the form as typed.
func (s *Server) adminSaveRule(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	u := CurrentUser(r.Context())
	v := web.AdminRulePage{}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if id > 0 {
		rule, _, err := s.Automation.Get(r.Context(), u, id)
		if err != nil {
			return err
		}
		v.Rule = rule
		if v.Runs, err = s.Automation.RunsWithChanges(r.Context(), u, id, 20); err != nil {
			return err
		}
	}
	if r.PostForm.Get("action") == "build" {
		v.Form = web.NewForm(r.PostForm, buildRule(r.PostForm))
		return s.renderRule(w, r, v)
	}
	in, err := ruleForm(r.PostForm)
	if err == nil && r.PostForm.Get("action") == "preview" {
		v.Preview, err = s.Automation.Preview(r.Context(), u, in, 30)
	} else if err == nil && id > 0 {
		_, err = s.Automation.Update(r.Context(), u, id, in)
	} else if err == nil {
		var rule *helpdesk.Rule
		if rule, err = s.Automation.Create(r.Context(), u, in); err == nil {
			id = rule.ID
		}
	}
	if isInvalid(err) || (err == nil && v.Preview != nil) {
		v.Form = web.NewForm(r.PostForm, err)
		return s.renderRule(w, r, v)
	} else if err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/admin/rules/%d", id), "Rule saved.")
	return nil
}

// adminRule is GET /admin/rules/{id}: the edit form and the rule's runs.
func (s *Server) adminRule(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	u := CurrentUser(r.Context())
	rule, _, err := s.Automation.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	runs, err := s.Automation.RunsWithChanges(r.Context(), u, id, 20)
	if err != nil {
		return err
	}
	return s.renderRule(w, r, web.AdminRulePage{Rule: rule, Runs: runs, Form: web.NewForm(ruleValues(rule), nil)})
}

// adminRuleDryRun is POST /admin/rules/{id}/dry-run: the saved rule over
// the last 30 days, nothing written.
func (s *Server) adminRuleDryRun(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	u := CurrentUser(r.Context())
	rule, _, err := s.Automation.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	dry, err := s.Automation.DryRun(r.Context(), u, id, 30)
	if err != nil {
		return err
	}
	runs, err := s.Automation.RunsWithChanges(r.Context(), u, id, 20)
	if err != nil {
		return err
	}
	return s.renderRule(w, r, web.AdminRulePage{Rule: rule, Runs: runs, Preview: dry, Form: web.NewForm(ruleValues(rule), nil)})
}

// adminRuleRun is POST /admin/rules/{id}/run ("Run now").
func (s *Server) adminRuleRun(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	run, err := s.Automation.RunNow(r.Context(), CurrentUser(r.Context()), id, 30)
	if err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/admin/rules/%d", id), fmt.Sprintf("Run #%d changed %d tickets.", run.ID, run.Tickets))
	return nil
}

// adminRunUndo is POST /admin/runs/{id}/undo: rolls the run back and shows
// what went back and what was left alone.
func (s *Server) adminRunUndo(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	u := CurrentUser(r.Context())
	run, err := s.Automation.Run(r.Context(), u, id)
	if err != nil {
		return err
	}
	rb, err := s.Automation.RollbackRun(r.Context(), u, id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.AdminRunUndo(web.AdminRunUndoPage{Page: s.adminPage(r, "Run undone"), Run: run, Undo: rb}))
	return nil
}

func (s *Server) renderRule(w http.ResponseWriter, r *http.Request, v web.AdminRulePage) error {
	title := "New rule"
	if v.Rule != nil {
		title = "Rule: " + v.Rule.Name
	}
	v.Page = s.adminPage(r, title)
	if v.Rule != nil && v.UndoForm.Values == nil {
		v.UndoForm = undoFormFor(v.Rule, CurrentUser(r.Context()).Location(), time.Now())
	}
	teams, err := s.teamSlugOptions(r)
	if err != nil {
		return err
	}
	v.Teams = teams
	if CurrentUser(r.Context()).Role == helpdesk.RoleAdmin {
		v.Teams = append([]web.Option{{Value: "", Label: "All teams"}}, teams...)
	}
	for _, t := range helpdesk.Triggers {
		v.Triggers = append(v.Triggers, web.Option{Value: t, Label: t})
	}
	s.render(w, r, status422(v.Form, v.UndoForm), web.AdminRule(v))
	return nil
}

// buildRule writes the row builder's rows into the form's condition and
// actions (replacing them when the rows give any); nothing is saved.
func buildRule(v url.Values) error {
	var conds []automation.CondRow
	var acts []automation.ActionRow
	for i := range 10 {
		n := strconv.Itoa(i)
		if !v.Has("cond_field_"+n) && !v.Has("act_type_"+n) {
			break
		}
		conds = append(conds, automation.CondRow{Field: v.Get("cond_field_" + n), Op: v.Get("cond_op_" + n), Value: v.Get("cond_value_" + n)})
		acts = append(acts, automation.ActionRow{Type: v.Get("act_type_" + n), Value: v.Get("act_value_" + n)})
	}
	cond, err := automation.BuildCondition(conds)
	if err != nil {
		return err
	}
	actions, err := automation.BuildActions(acts)
	if err != nil {
		return err
	}
	if cond != "" {
		v.Set("condition", cond)
	}
	if len(actions) > 0 {
		b, _ := json.MarshalIndent(actions, "", "  ")
		v.Set("actions", string(b))
	}
	return nil
}
