package server

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/report"
	"switchboard/web"
)

// reportsIndex lists the reports (leads and admins).
func (s *Server) reportsIndex(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, web.ReportsIndex(s.page(r, "Reports", "reports"), reportLinks("")))
	return nil
}

func reportLinks(current string) []web.ReportLink {
	var out []web.ReportLink
	for _, d := range report.Defs {
		out = append(out, web.ReportLink{Name: d.Name, Title: d.Title, Description: d.Description, Current: d.Name == current})
	}
	return out
}

func filterInput(r *http.Request) report.FilterInput {
	q := r.URL.Query()
	return report.FilterInput{Team: q.Get("team"), Category: q.Get("category"), Priority: q.Get("priority"),
		From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz")}
}

// reportPage shows one report with its filter; a bad filter comes back
// with 422 and the messages next to the fields.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	def, ok := report.Find(name)
	if !ok {
		s.notFound(w, r)
		return nil
	}
	u := CurrentUser(r.Context())
	f, in, ferr := s.Reports.Filter(r.Context(), u, filterInput(r))
	v := web.ReportPage{Page: s.page(r, def.Title, "reports"), Reports: reportLinks(name),
		Filter: web.ReportFilterForm{Team: in.Team, Category: in.Category, Priority: in.Priority, From: in.From, To: in.To, TZ: in.TZ}}
	teams, cats, err := s.Reports.Choices(r.Context(), u)
	if err != nil {
		return err
	}
	for _, t := range teams {
		v.Filter.Teams = append(v.Filter.Teams, web.Option{Value: t.Key, Label: t.Label})
	}
	for _, c := range cats {
		v.Filter.Categories = append(v.Filter.Categories, web.Option{Value: c.Key, Label: c.Label})
	}
	if isInvalid(ferr) {
		v.Filter.Errors = fieldErrors(ferr)
		s.render(w, r, http.StatusUnprocessableEntity, web.ReportView(v))
		return nil
	} else if ferr != nil {
		return ferr
	}
	rep, err := s.Reports.Build(r.Context(), u, name, f)
	if err != nil {
		return err
	}
	v.Report, v.Chart = rep, web.BuildReportChart(rep)
	v.CSVURL = "/reports/" + name + "/export.csv?" + filterQuery(in).Encode()
	s.render(w, r, http.StatusOK, web.ReportView(v))
	return nil
}

func filterQuery(in report.FilterInput) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"team": in.Team, "category": in.Category, "priority": in.Priority,
		"from": in.From, "to": in.To, "tz": in.TZ} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// reportCSV exports the report's table with the same filter.
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	u := CurrentUser(r.Context())
	f, in, err := s.Reports.Filter(r.Context(), u, filterInput(r))
	if err != nil {
		return err
	}
	rep, err := s.Reports.Build(r.Context(), u, name, f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+in.From+"-"+in.To+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
	return nil
}
