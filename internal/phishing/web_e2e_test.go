package phishing_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/phishing"
)

// TestUploadAndWorkspace: an employee uploads a saved .eml on the Report
// phishing page (a .msg is refused with a reason); the security team sees
// the analysis without anything of the suspect being live, downloads the
// raw mail and an attachment (after a warning, as a download), overrules
// the verdict and reads the figures; other staff can do none of that.
func TestUploadAndWorkspace(t *testing.T) {
	t.Parallel()
	x := setup(t)
	emp := x.User(helpdesk.RoleRequester)
	page := x.SignIn(emp)
	if res := page.Get("/report-phishing"); res.StatusCode != http.StatusOK || !strings.Contains(res.Text("#report-howto"), "security@"+mailDomain) ||
		!strings.Contains(res.Body, ".msg") {
		t.Fatalf("report page: %d %q", res.StatusCode, res.Text("#report-howto"))
	}
	res := page.PostMultipart("/report-phishing", url.Values{"note": {"odd"}}, apptest.File{Field: "file", Name: "mail.msg",
		Data: []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 outlook")})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Outlook .msg files cannot be read") {
		t.Fatalf(".msg upload: %d", res.StatusCode)
	}
	suspect := phishing.Multipart([]string{"From: Voicemail <vm@voice-portal.biz>", "To: " + emp.Email, "Subject: New voicemail",
		"Date: Mon, 07 Dec 2026 06:00:00 +0000", "Message-ID: <vm1@voice-portal.biz>"},
		"You have a voicemail. Listen: https://voice-portal.biz/listen?id=1",
		[3]string{"voicemail.html", "text/html", `<html><form action="https://collect.voice-portal.biz/p"><input type="password" name="p"></form><img src="https://voice-portal.biz/t.gif"></html>`})
	res = page.PostMultipart("/report-phishing", url.Values{"note": {"is this real?"}}, apptest.File{Field: "file", Name: "voicemail.eml", Data: suspect})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/tickets/") {
		t.Fatalf("upload: %d %s", res.StatusCode, res.Body)
	}
	n := x.reportBy(t, emp.Email)
	if v := x.apiTicket(t, n); v.Phishing == nil || v.Phishing.Verdict != phishing.VerdictMalicious {
		t.Fatalf("uploaded report #%d: %+v", n, v.Phishing)
	}

	lead := x.SignIn(x.lead)
	ws := lead.Get(deskPath(n, ""))
	if ws.StatusCode != http.StatusOK || !strings.Contains(ws.Text("#phish-verdict"), "Malicious") {
		t.Fatalf("workspace: %d verdict %q", ws.StatusCode, ws.Text("#phish-verdict"))
	}
	panel, _ := ws.Doc.Find("#phishing").Html()
	for _, live := range []string{`href="https://voice-portal`, `href="https://collect`, "<img", "<form action=\"https://collect", `src="https://voice-portal`} {
		if strings.Contains(panel, live) {
			t.Errorf("the phishing panel holds a live %q", live)
		}
	}
	if !strings.Contains(ws.Text("#phish-links"), "hxxps://voice-portal[.]biz") {
		t.Errorf("links not listed defanged: %q", ws.Text("#phish-links"))
	}
	raw := lead.Get(deskPath(n, "/phishing/raw"))
	if raw.StatusCode != http.StatusOK || !strings.HasPrefix(raw.Header.Get("Content-Disposition"), "attachment") ||
		raw.Header.Get("Content-Type") != "application/octet-stream" || !strings.Contains(raw.Body, "vm1@voice-portal.biz") {
		t.Errorf("raw download: %d %q %q", raw.StatusCode, raw.Header.Get("Content-Disposition"), raw.Header.Get("Content-Type"))
	}
	warn := lead.Get(deskPath(n, "/phishing/attachments/0"))
	if warn.StatusCode != http.StatusOK || !warn.Has("#attachment-warning") || warn.Header.Get("Content-Disposition") != "" {
		t.Errorf("attachment without a warning first: %d", warn.StatusCode)
	}
	file := lead.Get(deskPath(n, "/phishing/attachments/0?confirm=yes"))
	if file.StatusCode != http.StatusOK || !strings.HasPrefix(file.Header.Get("Content-Disposition"), "attachment") ||
		file.Header.Get("Content-Type") != "application/octet-stream" || !strings.Contains(file.Body, "password") {
		t.Errorf("attachment download: %d %q %q", file.StatusCode, file.Header.Get("Content-Disposition"), file.Header.Get("Content-Type"))
	}
	if res := lead.PostForm(deskPath(n, "/phishing/verdict"), url.Values{"verdict": {"suspicious"}, "note": {"a vendor test"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("overrule: %d", res.StatusCode)
	}
	if v := x.apiTicket(t, n); v.Phishing.Verdict != phishing.VerdictSuspicious {
		t.Errorf("after overrule the API says %s", v.Phishing.Verdict)
	}
	figs := lead.Get("/desk/phishing")
	if figs.StatusCode != http.StatusOK || !figs.Has("svg#chart-phish-weeks rect") || figs.Text("#fig-reports") != "1" {
		t.Errorf("figures: %d reports %q", figs.StatusCode, figs.Text("#fig-reports"))
	}

	// Staff outside the security team see the report but none of its dangerous parts.
	agent := x.SignIn(x.agent)
	if ws := agent.Get(deskPath(n, "")); ws.StatusCode != http.StatusOK || ws.Has("#phish-raw") || ws.Has("#phish-overrule") {
		t.Errorf("agent's workspace: %d raw link %v overrule %v", ws.StatusCode, ws.Has("#phish-raw"), ws.Has("#phish-overrule"))
	}
	for _, p := range []string{"/phishing/raw", "/phishing/attachments/0?confirm=yes", "/phishing/attachments/0"} {
		if res := agent.Get(deskPath(n, p)); res.StatusCode != http.StatusNotFound {
			t.Errorf("agent GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res := agent.PostForm(deskPath(n, "/phishing/verdict"), url.Values{"verdict": {"likely_safe"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("agent overrule: %d, want 404", res.StatusCode)
	}
	if res := agent.Get("/desk/phishing"); res.StatusCode != http.StatusNotFound {
		t.Errorf("agent figures: %d, want 404", res.StatusCode)
	}
	// The requester sees their report, never the analysis.
	if res := page.Get("/tickets/" + itoa(n)); res.StatusCode != http.StatusOK || res.Has("#phishing") {
		t.Errorf("requester's view: %d, panel %v", res.StatusCode, res.Has("#phishing"))
	}
}

func deskPath(n int64, rest string) string { return "/desk/tickets/" + itoa(n) + rest }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
