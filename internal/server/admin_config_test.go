package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

func TestAdminCategories(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	// The admin's dashboard caches its filter choices; a category created
	// on this node must be offered there at once.
	if r := c.Get("/desk"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /desk: %d", r.StatusCode)
	}
	good := admVals("name", "VPN", "team", admID(a.alpha), "required_skill", "Network", "default_impact", "team",
		"default_urgency", "high", "min_priority", "P2", "keywords", "vpn\nanyconnect, tunnel", "follow_the_sun", "on",
		"confidence_threshold", "0.7")
	admStatus(t, c.PostForm("/admin/categories", good), http.StatusSeeOther)
	var catID int64
	if err := a.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM categories WHERE name = 'VPN' AND team_id = $1
		AND required_skill = 'network' AND default_impact = 'team' AND default_urgency = 'high' AND min_priority = 'P2'
		AND keywords = '{vpn,anyconnect,tunnel}' AND follow_the_sun AND abs(confidence_threshold - 0.7) < 0.001`, a.alpha).Scan(&catID); err != nil {
		t.Fatalf("category not stored: %v", err)
	}
	if a.audits(t, "category", "create") != 1 {
		t.Error("not audited")
	}
	if n := c.Get("/desk").Doc.Find(`#f-category option[value="VPN"]`).Length(); n != 1 {
		t.Errorf("new category in the dashboard filter: %d options, want 1", n)
	}
	for _, tc := range []struct{ name, field, msg, key, value string }{
		{"without a team", "team", "Choose the team", "team", ""},
		{"unknown team", "team", "Choose the team", "team", "987654"},
		{"duplicate name", "name", "already has this name", "name", "vpn"},
		{"threshold above 1", "confidence_threshold", "from 0 to 1", "confidence_threshold", "1.5"},
		{"bad impact", "default_impact", "Choose an impact", "default_impact", "galaxy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := admVals("name", "Printers", "team", admID(a.beta), "default_impact", "person", "default_urgency", "low",
				"confidence_threshold", "0.5")
			f.Set(tc.key, tc.value)
			r := c.PostForm("/admin/categories", f)
			admFieldError(t, r, tc.field, tc.msg)
			admKept(t, r, "name", f.Get("name"))
		})
	}
	if a.count(t, "SELECT count(*) FROM categories") != 1 {
		t.Error("a rejected category was stored")
	}
	// Edit: move it to beta; the page shows the stored values first.
	page := c.Get("/admin/categories/" + admID(catID))
	admKept(t, page, "confidence_threshold", "0.7")
	f := good
	f.Set("team", admID(a.beta))
	f.Del("follow_the_sun")
	f.Set("cross_region", "on")
	admStatus(t, c.PostForm("/admin/categories/"+admID(catID), f), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM categories WHERE id = $1 AND team_id = $2 AND NOT follow_the_sun", catID, a.beta) != 1 ||
		a.audits(t, "category", "update") != 1 {
		t.Error("edit not stored and audited")
	}
	// The escalation ladder's cross-region setting is stored and shown.
	if a.count(t, "SELECT count(*) FROM categories WHERE id = $1 AND cross_region", catID) != 1 {
		t.Error("cross-region setting not stored")
	}
	if _, checked := c.Get("/admin/categories/" + admID(catID)).Doc.Find("#cross_region").Attr("checked"); !checked {
		t.Error("cross-region box not checked on the edit page")
	}
	f.Del("cross_region")
	f.Set("team", "")
	admFieldError(t, c.PostForm("/admin/categories/"+admID(catID), f), "team", "Choose the team")
	if !strings.Contains(c.Get("/admin/teams/"+admID(a.beta)).Text("#categories"), "VPN") {
		t.Error("the team page does not list the categories it owns")
	}
}

func TestAdminPriorities(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	page := c.Get("/admin/priorities")
	admStatus(t, page, http.StatusOK)
	cells := admVals()
	for _, i := range []string{"person", "team", "department", "organisation"} {
		for _, u := range []string{"low", "medium", "high", "critical"} {
			name := "p_" + i + "_" + u
			v := page.Doc.Find("#"+name+" option[selected]").AttrOr("value", "")
			if v == "" {
				t.Fatalf("cell %s has no selected priority", name)
			}
			cells.Set(name, v)
		}
	}
	cells.Set("p_person_critical", "P1")
	admStatus(t, c.PostForm("/admin/priorities/matrix", cells), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM priority_matrix WHERE impact = 'person' AND urgency = 'critical' AND priority = 'P1'") != 1 ||
		a.audits(t, "priority_matrix", "update") != 1 {
		t.Fatal("matrix not stored and audited")
	}
	cells.Set("p_team_low", "P9")
	admFieldError(t, c.PostForm("/admin/priorities/matrix", cells), "p_team_low", "P1 to P4")

	sla := admVals("frt_P1", "30", "res_P1", "4h", "frt_P2", "2h", "res_P2", "1h30m", "frt_P3", "8h", "res_P3", "24h", "frt_P4", "16h", "res_P4", "40h")
	admFieldError(t, c.PostForm("/admin/priorities/sla", sla), "res_P2", "before the first response")
	sla.Set("res_P2", "8h")
	sla.Set("frt_P3", "0")
	r := c.PostForm("/admin/priorities/sla", sla)
	admFieldError(t, r, "frt_P3", "more than zero")
	admKept(t, r, "res_P1", "4h")
	sla.Set("frt_P3", "soon")
	admFieldError(t, c.PostForm("/admin/priorities/sla", sla), "frt_P3", "business minutes")
	if a.count(t, "SELECT count(*) FROM sla_policies WHERE priority = 'P1' AND first_response_minutes = 60") != 1 {
		t.Error("a rejected SLA form changed a policy")
	}
	sla.Set("frt_P3", "480")
	admStatus(t, c.PostForm("/admin/priorities/sla", sla), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM sla_policies WHERE priority = 'P1' AND first_response_minutes = 30 AND resolution_minutes = 240") != 1 ||
		a.audits(t, "sla_policy", "update") != 1 {
		t.Error("SLA targets not stored and audited")
	}
	admKept(t, c.Get("/admin/priorities"), "res_P2", "8h")
}

func TestAdminMail(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	admStatus(t, c.PostForm("/admin/mail/addresses", admVals("local_part", "IT", "address_team", admID(a.alpha))), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM intake_addresses WHERE local_part = 'it' AND team_id = $1", a.alpha) != 1 ||
		a.audits(t, "intake_address", "create") != 1 {
		t.Fatal("address not stored and audited")
	}
	r := c.PostForm("/admin/mail/addresses", admVals("local_part", "it", "address_team", admID(a.beta)))
	admFieldError(t, r, "local_part", "already routed")
	admKept(t, r, "local_part", "it")
	admFieldError(t, c.PostForm("/admin/mail/addresses", admVals("local_part", "help")), "address_team", "Choose a team")
	admFieldError(t, c.PostForm("/admin/mail/addresses", admVals("local_part", "no spaces", "address_team", admID(a.beta))), "local_part", "Use letters")

	// IMAP account: the password is sealed, never shown back, never audited.
	// A loopback host needs the explicit "internal address" tick.
	r = c.PostForm("/admin/mail/mailboxes", admVals("mb_name", "Help", "mb_host", "127.0.0.1", "mb_port", "1", "mb_username", "help",
		"mb_password", "s3cret-imap-pw", "mb_folder", "INBOX", "mb_allow_private", "on"))
	admStatus(t, r, http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM mailboxes WHERE position('s3cret-imap-pw' in encode(password_enc, 'escape')) = 0") != 1 {
		t.Error("mailbox missing or its password stored in clear")
	}
	if a.count(t, "SELECT count(*) FROM audit_log WHERE after::text LIKE '%s3cret%'") != 0 {
		t.Error("the audit log holds the IMAP password")
	}
	page := c.Get("/admin/mail")
	if strings.Contains(page.Body, "s3cret-imap-pw") {
		t.Error("the IMAP password is shown back")
	}
	r = c.PostForm("/admin/mail/mailboxes", admVals("mb_host", "imap.example.com", "mb_port", "99999", "mb_username", "u", "mb_password", "pw"))
	admFieldError(t, r, "mb_port", "from 1 to 65535")
	if r.Doc.Find("#mb_password").AttrOr("value", "") != "" {
		t.Error("a rejected form echoed the password")
	}
	var mbID int64
	_ = a.e.App.DB.RawPool().QueryRow(context.Background(), "SELECT id FROM mailboxes").Scan(&mbID)
	r = c.PostForm("/admin/mail/mailboxes/"+admID(mbID)+"/test", nil) // port 1: nothing listens
	admStatus(t, r, http.StatusOK)
	if got := r.Text(`tr[data-mailbox="` + admID(mbID) + `"] [role=status]`); !strings.Contains(got, "Cannot connect") {
		t.Errorf("test connection result %q", got)
	}

	// Policy.
	admFieldError(t, c.PostForm("/admin/mail/policy", admVals("policy_mode", "domains", "policy_domains", "")), "policy_domains", "at least one")
	admStatus(t, c.PostForm("/admin/mail/policy", admVals("policy_mode", "domains", "policy_domains", "Example.com, @corp.example")), http.StatusSeeOther)
	if a.count(t, `SELECT count(*) FROM settings WHERE key = 'unknown_sender_policy' AND value = '{"mode":"domains","domains":["example.com","corp.example"]}'`) != 1 ||
		a.audits(t, "setting", "update") != 1 {
		t.Error("policy not stored and audited")
	}

	// Outbox: a failed mail can be retried; a queued one cannot.
	var failed, queued int64
	ctx := context.Background()
	for st, dst := range map[string]*int64{"failed": &failed, "queued": &queued} {
		if err := a.e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO outbox (kind, to_addr, subject, raw, message_id, status, last_error)
			VALUES ('reply', 'x@example.com', 'Re: VPN', 'raw', $1, $2, 'relay down') RETURNING id`, st+"@test", st).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	page = c.Get("/admin/mail")
	if !page.Has(`tr[data-outbox="`+admID(failed)+`"] form`) || page.Has(`tr[data-outbox="`+admID(queued)+`"] form`) {
		t.Error("retry offered on the wrong rows")
	}
	admStatus(t, c.PostForm("/admin/mail/outbox/"+admID(failed)+"/retry", nil), http.StatusSeeOther)
	if a.count(t, "SELECT count(*) FROM outbox WHERE id = $1 AND status = 'queued'", failed) != 1 || a.audits(t, "outbox", "retry") != 1 {
		t.Error("retry did not requeue and audit")
	}
	if a.count(t, "SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND args->>'outbox_id' = $1", admID(failed)) < 1 {
		t.Error("retry did not enqueue a send job")
	}
}

func TestAdminAudit(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	// A name that a spreadsheet would run as a formula.
	admStatus(t, c.PostForm("/admin/people", admVals("name", "=HYPERLINK(\"http://evil\")", "email", "evil@example.com",
		"role", "requester", "timezone", "UTC", "password", "long-enough-pw")), http.StatusSeeOther)
	admStatus(t, c.PostForm("/admin/teams", admVals("name", "Gamma", "slug", "gamma", "timezone", "UTC")), http.StatusSeeOther)

	page := c.Get("/admin/audit")
	admStatus(t, page, http.StatusOK)
	if n := page.Doc.Find("#audit tbody tr").Length(); n != 2 {
		t.Fatalf("audit page lists %d rows, want 2", n)
	}
	page = c.Get("/admin/audit?object=team")
	if n := page.Doc.Find("#audit tbody tr").Length(); n != 1 || !strings.Contains(page.Text("#audit tbody"), "gamma") {
		t.Errorf("object filter: %d rows", n)
	}
	if n := c.Get("/admin/audit?actor=" + a.leadA.Email).Doc.Find("#audit tbody tr").Length(); n != 0 {
		t.Errorf("person filter: %d rows for someone who changed nothing", n)
	}
	if n := c.Get("/admin/audit?from=2000-01-01&to=2000-01-02").Doc.Find("#audit tbody tr").Length(); n != 0 {
		t.Errorf("date filter: %d rows", n)
	}
	admFieldError(t, c.Get("/admin/audit?from=yesterday"), "from", "Enter a date")

	r := c.Get("/admin/audit.csv?object=user")
	admStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0][0] != "id" {
		t.Fatalf("CSV has %d records, want header + 1: %v", len(recs), recs)
	}
	if !strings.Contains(recs[1][8], "HYPERLINK") || recs[1][2] != a.admin.Email {
		t.Errorf("CSV row %v", recs[1])
	}

	// An actor whose name is a formula: the exported cell is defused.
	evil := a.e.User(helpdesk.RoleAdmin, func(n *auth.NewUser) { n.Name = "=cmd|' /C calc'!A0" })
	admStatus(t, a.e.SignIn(evil).PostForm("/admin/teams", admVals("name", "Delta", "slug", "delta", "timezone", "UTC")), http.StatusSeeOther)
	recs, err = csv.NewReader(strings.NewReader(c.Get("/admin/audit.csv?object=team&actor=calc").Body)).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("CSV: %v %v", err, recs)
	}
	if recs[1][3] != "'=cmd|' /C calc'!A0" {
		t.Errorf("actor cell %q, want it prefixed with '", recs[1][3])
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("CSV cell %q would run as a formula", cell)
			}
		}
	}
}
