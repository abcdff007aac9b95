package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/phishing"
	"switchboard/web"
)

// phishPanels adds the phishing report or campaign panel to a workspace.
func (s *Server) phishPanels(r *http.Request, v *web.DeskTicketPage) error {
	if s.Phishing == nil {
		return nil
	}
	ctx, u := r.Context(), CurrentUser(r.Context())
	security, err := s.Phishing.IsSecurity(ctx, u)
	if err != nil {
		return err
	}
	rep, err := s.Phishing.Report(ctx, u, v.T)
	if err != nil {
		return err
	}
	if rep != nil {
		p, err := s.phishPanel(r, rep, security)
		if err != nil {
			return err
		}
		v.Phish = p
	}
	c, err := s.Phishing.Campaign(ctx, u, v.T)
	if err != nil || c == nil {
		return err
	}
	v.Campaign = &web.PhishCampaignPanel{Number: v.T.Number, C: c, IndicatorsText: indicatorsText(c.Indicators), Security: security}
	return nil
}

// phishPanel turns a stored analysis into the panel's view; the suspect's
// preview is made here, from the stored mail, through phishing.MakePreview.
func (s *Server) phishPanel(r *http.Request, rep *helpdesk.PhishReport, security bool) (*web.PhishPanel, error) {
	p := &web.PhishPanel{Number: rep.Number, Verdict: rep.Verdict, AutoVerdict: rep.AutoVerdict, Score: rep.Score,
		Reasons: rep.Reasons, How: rep.How, Security: security, OverruleNote: rep.OverruleNote, Errors: map[string]string{}}
	if rep.OverruledBy != nil {
		p.OverruledBy = *rep.OverruledBy
	}
	var a phishing.Analysis
	if len(rep.Analysis) == 0 || json.Unmarshal(rep.Analysis, &a) != nil || a.From == "" && a.Subject == "" {
		return p, nil
	}
	p.Found = rep.HasSuspect
	p.From, p.FromName, p.Subject, p.Date = phishing.DefangAddress(a.From), a.FromName, a.Subject, a.Date
	p.ReplyTo, p.ReturnPath = phishing.DefangAddress(a.ReplyTo), phishing.DefangAddress(a.ReturnPath)
	if a.ReplyTo == "" {
		p.ReplyTo = ""
	}
	if a.ReturnPath == "" {
		p.ReturnPath = ""
	}
	src := a.Auth.Source
	if src == "" {
		src = "none of our servers' results in its headers"
	}
	p.Auth = [5][2]string{{"Results read from", src}, {"SPF", a.Auth.SPF}, {"DKIM", a.Auth.DKIM}, {"DMARC", a.Auth.DMARC},
		{"DKIM checked again now", a.Auth.FreshDKIM}}
	for _, f := range a.Findings {
		p.Findings = append(p.Findings, web.PhishFinding{Area: f.Area, Weight: f.Weight, Reason: f.Reason, Evidence: phishing.DefangText(f.Evidence)})
	}
	for _, l := range a.Links {
		p.Links = append(p.Links, web.PhishLink{URL: phishing.Defang(l.URL), Anchor: phishing.DefangText(l.Anchor), Flags: l.Flags})
	}
	for i, at := range a.Attachments {
		p.Attachments = append(p.Attachments, web.PhishAttachment{Index: i, Filename: at.Filename, RealType: at.RealType,
			DeclaredType: at.DeclaredType, Size: at.Size, SHA256: at.SHA256, Flags: at.Flags})
	}
	if rep.HasSuspect {
		raw, err := s.DB.PhishSuspect(r.Context(), rep.TicketID)
		if err != nil {
			return nil, err
		}
		pv := phishing.MakePreview(raw)
		p.PreviewText, p.PreviewHTML = pv.Text, pv.HTML
	}
	return p, nil
}

// indicatorsText is the copyable block: one "kind,value" per line, defanged.
func indicatorsText(list []helpdesk.PhishIndicator) string {
	var b strings.Builder
	for _, in := range list {
		fmt.Fprintf(&b, "%s,%s\n", in.Kind, defangIndicator(in))
	}
	return b.String()
}

func defangIndicator(in helpdesk.PhishIndicator) string {
	switch in.Kind {
	case "sender":
		return phishing.DefangAddress(in.Value)
	case "host", "url":
		return phishing.Defang(in.Value)
	}
	return in.Value
}

// phishRaw is GET /desk/tickets/{number}/phishing/raw: the reported mail,
// for the security team only, as a download no browser renders.
func (s *Server) phishRaw(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	raw, err := s.Phishing.Suspect(r.Context(), CurrentUser(r.Context()), n)
	if err != nil {
		return err
	}
	download(w, fmt.Sprintf("reported-%d.eml", n), raw)
	return nil
}

// download sends bytes a browser must save, never show or sniff.
func download(w http.ResponseWriter, filename string, data []byte) {
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if cd == "" {
		cd = `attachment; filename="download.bin"`
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", cd)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data) //nolint:gosec // G705: a download (octet-stream, nosniff, sandbox CSP), never rendered
}

// phishAttachment is GET /desk/tickets/{number}/phishing/attachments/{i}:
// a warning page first, the file (as an attachment) once confirmed.
func (s *Server) phishAttachment(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	i, err := strconv.Atoi(chi.URLParam(r, "i"))
	if err != nil || i < 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such attachment.")
	}
	part, err := s.Phishing.SuspectAttachment(r.Context(), CurrentUser(r.Context()), n, i)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("confirm") == "yes" {
		name := part.Filename
		if name == "" {
			name = fmt.Sprintf("attachment-%d.bin", i)
		}
		download(w, name, part.Data)
		return nil
	}
	info := phishing.Describe(part)
	s.render(w, r, http.StatusOK, web.AttachmentWarning(web.AttachmentWarningPage{Page: s.page(r, "Attachment of a phishing mail", "desk"),
		Number: n, Index: i, Filename: part.Filename, SHA256: info.SHA256, RealType: info.RealType}))
	return nil
}

// phishVerdict is POST /desk/tickets/{number}/phishing/verdict.
func (s *Server) phishVerdict(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	err = s.Phishing.Overrule(r.Context(), CurrentUser(r.Context()), n, r.PostFormValue("verdict"), r.PostFormValue("note"))
	if isInvalid(err) {
		return s.deskRerender(w, r, n, err, func(v *web.DeskTicketPage) {
			if v.Phish != nil {
				v.Phish.Errors = fieldErrors(err)
			}
		})
	} else if err != nil {
		return err
	}
	seeOther(w, r, deskURL(n), "Verdict set.")
	return nil
}

// phishClose is POST /desk/tickets/{number}/phishing/close: the campaign is
// handled; its reporters are told to delete the mail.
func (s *Server) phishClose(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	k, err := s.Phishing.CloseCampaign(r.Context(), CurrentUser(r.Context()), n)
	if err != nil {
		return err
	}
	seeOther(w, r, deskURL(n), fmt.Sprintf("Campaign closed; %d reports resolved and their reporters told.", k))
	return nil
}

// phishIndicatorsCSV is GET /desk/tickets/{number}/phishing/indicators.csv.
func (s *Server) phishIndicatorsCSV(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	ctx, u := r.Context(), CurrentUser(r.Context())
	t, err := s.Tickets.Get(ctx, u, n)
	if err != nil {
		return err
	}
	c, err := s.Phishing.Campaign(ctx, u, t)
	if err != nil {
		return err
	}
	if c == nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not a phishing campaign.")
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-indicators.csv"`, n))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "value", "defanged", "reports"})
	for _, in := range c.Indicators {
		// A spreadsheet must not run a value as a formula.
		_ = cw.Write([]string{in.Kind, csvSafe(in.Value), defangIndicator(in), strconv.Itoa(in.Reports)})
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// reportPhishingForm is GET /report-phishing.
func (s *Server) reportPhishingForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, web.ReportPhishing(s.reportPhishingPage(r, "", nil)))
	return nil
}

func (s *Server) reportPhishingPage(r *http.Request, note string, errs map[string]string) web.ReportPhishingPage {
	addr, _ := s.Phishing.Address(r.Context())
	if errs == nil {
		errs = map[string]string{}
	}
	return web.ReportPhishingPage{Page: s.page(r, "Report phishing", "phishing"), Address: addr, Note: note, Errors: errs}
}

// reportPhishing is POST /report-phishing: an uploaded .eml becomes a report.
func (s *Server) reportPhishing(w http.ResponseWriter, r *http.Request) error {
	allowBody(w, r, phishing.MaxUpload+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil { //nolint:gosec // G120: the body is bounded by allowBody above
		return helpdesk.Errorf(helpdesk.EINVALID, "The upload could not be read (25 MB at most).")
	}
	note := r.PostFormValue("note")
	in := phishing.UploadInput{Note: note}
	if f, h, err := r.FormFile("file"); err == nil {
		in.Filename = h.Filename
		buf := make([]byte, 0, h.Size)
		b := make([]byte, 32<<10)
		for {
			k, rerr := f.Read(b)
			buf = append(buf, b[:k]...)
			if rerr != nil {
				break
			}
		}
		_ = f.Close()
		in.Data = buf
	}
	t, err := s.Phishing.Upload(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		s.render(w, r, http.StatusUnprocessableEntity, web.ReportPhishing(s.reportPhishingPage(r, note, fieldErrors(err))))
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/tickets/"+strconv.FormatInt(t.Number, 10), "Thank you! We are looking at the mail and will tell you what we found.")
	return nil
}

// phishFigures is GET /desk/phishing: awareness figures, security team only.
func (s *Server) phishFigures(w http.ResponseWriter, r *http.Request) error {
	since := time.Now().UTC().AddDate(0, 0, -7*12)
	f, err := s.Phishing.Figures(r.Context(), CurrentUser(r.Context()), since)
	if err != nil {
		return err
	}
	v := web.PhishFiguresPage{Page: s.page(r, "Phishing reports", "phishing-figures"), F: *f, RealShare: "no reports yet", Median: "not known yet"}
	if analysed := f.Reports - f.Pending; analysed > 0 {
		v.RealShare = fmt.Sprintf("%d%% (%d of %d analysed)", (100*f.Malicious+analysed/2)/analysed, f.Malicious, analysed)
	}
	if f.MedianToReport != nil {
		v.Median = f.MedianToReport.Round(time.Minute).String()
	}
	v.Weeks = web.CountChart(weekCounts(f.Weeks))
	v.Depts = web.CountChart(f.Departments)
	for i := range v.F.TopIndicators {
		v.F.TopIndicators[i].Value = defangIndicator(v.F.TopIndicators[i])
	}
	s.render(w, r, http.StatusOK, web.PhishFigures(v))
	return nil
}

func weekCounts(ws []helpdesk.WeekCount) []helpdesk.NameCount {
	out := make([]helpdesk.NameCount, len(ws))
	for i, w := range ws {
		out[i] = helpdesk.NameCount{Name: w.Start.Format("2 Jan"), Count: w.Count}
	}
	return out
}

// phishRawAllowed keeps the raw mail of a phishing report (it holds the
// suspect) to the security team: other staff get the 404 of a missing mail.
func (s *Server) phishRawAllowed(r *http.Request, number int64) error {
	if s.Phishing == nil {
		return nil
	}
	ctx, u := r.Context(), CurrentUser(r.Context())
	t, err := s.Tickets.Get(ctx, u, number)
	if err != nil {
		return err
	}
	rep, err := s.Phishing.Report(ctx, u, t)
	if err != nil || rep == nil {
		return err
	}
	if ok, err := s.Phishing.IsSecurity(ctx, u); err != nil || !ok {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	return nil
}
