package kb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
	"switchboard/internal/pgtest"
	"switchboard/internal/ticket"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	ctx             context.Context
	svc             *kb.Service
	agent, employee *helpdesk.User
}

func setup(t *testing.T) *bundle {
	t.Helper()
	db := pgtest.New(t)
	b := &bundle{ctx: context.Background(), svc: &kb.Service{DB: db, Tickets: &ticket.Service{DB: db}}}
	mk := func(role helpdesk.Role) *helpdesk.User {
		u, err := auth.CreateUser(b.ctx, db, auth.NewUser{Email: fmt.Sprintf("%s@example.com", role), Name: string(role),
			Role: role, Password: "correct-horse-battery", TimeZone: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	b.agent, b.employee = mk(helpdesk.RoleAgent), mk(helpdesk.RoleRequester)
	return b
}

func (b *bundle) article(t *testing.T, title, body string, vis helpdesk.Visibility, published bool) *helpdesk.Article {
	t.Helper()
	a, err := b.svc.Create(b.ctx, b.agent, kb.Input{Title: title, Body: body, Visibility: vis, Published: published})
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return a
}

func titles(as []helpdesk.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Title)
	}
	return out
}

// TestSearchRanking: an article named after the problem comes before one
// that mentions it in passing, stemming matches word forms, every word
// counts before any word, and a query no article answers in full still
// finds the closest ones.
func TestSearchRanking(t *testing.T) {
	t.Parallel()
	b := setup(t)
	vpn := b.article(t, "Set up the VPN on a new laptop", "Install the client from the portal and sign in.", helpdesk.VisibleEmployees, true)
	b.article(t, "Printer drivers", "Install the printer driver. It will not work over the VPN; the VPN blocks printing, so turn the VPN off first.", helpdesk.VisibleEmployees, true)
	b.article(t, "Laptop battery drains fast", "Lower the screen brightness and close the apps you do not use.", helpdesk.VisibleEmployees, true)
	b.article(t, "Connecting to office Wi-Fi", "Choose the network Corp and sign in with your account.", helpdesk.VisibleEmployees, true)
	for _, tc := range []struct {
		q     string
		first string
		n     int // results
	}{
		{"vpn", "Set up the VPN on a new laptop", 2},
		{"VPN laptop", "Set up the VPN on a new laptop", 1}, // every word: only one has both
		{"printer", "Printer drivers", 1},
		{"connect wifi", "Connecting to office Wi-Fi", 1},   // stemming: connect ~ connecting
		{"battery wobbly", "Laptop battery drains fast", 1}, // nothing has both: any word
		{"zebra", "", 0},
	} {
		got, err := b.svc.Search(b.ctx, b.employee, tc.q, 10, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.n || (tc.n > 0 && got[0].Title != tc.first) {
			t.Errorf("search %q = %q, want %d results starting with %q", tc.q, titles(got), tc.n, tc.first)
		}
	}
	if got, _ := b.svc.Search(b.ctx, b.employee, "vpn", 10, false); len(got) > 0 && got[0].ID == vpn.ID && !strings.Contains(got[0].Snippet, "\x02") && got[0].Snippet == "" {
		t.Errorf("no snippet on %q", got[0].Title)
	}
	// Suggestions: typing ahead, the last word is a prefix.
	got, err := b.svc.Suggest(b.ctx, b.employee, "my vpn on the lapt")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].ID != vpn.ID || len(got) > kb.SuggestLimit {
		t.Errorf("suggest = %q, want the VPN article first, at most %d", titles(got), kb.SuggestLimit)
	}
	// Every search with log set is remembered with its result count.
	var n, empty int
	if err := b.svc.DB.RawPool().QueryRow(b.ctx, `SELECT count(*), count(*) FILTER (WHERE results = 0) FROM kb_searches`).Scan(&n, &empty); err != nil {
		t.Fatal(err)
	}
	if n != 6 || empty != 1 {
		t.Errorf("logged %d searches (%d without results), want 6 (1)", n, empty)
	}
}

// TestVisibility: an employee never sees a staff-only article or a draft,
// in search, in suggestions, in lists or by id; staff see them.
func TestVisibility(t *testing.T) {
	t.Parallel()
	b := setup(t)
	public := b.article(t, "Reset your password", "Go to the reset page.", helpdesk.VisibleEmployees, true)
	secret := b.article(t, "Runbook: password vault failover", "Promote the standby password vault.", helpdesk.VisibleStaff, true)
	draft := b.article(t, "Password policy draft", "Passwords will need 14 characters.", helpdesk.VisibleEmployees, false)
	for _, who := range []*helpdesk.User{b.employee, b.agent} {
		staff := who.IsStaff()
		res, err := b.svc.Search(b.ctx, who, "password", 10, false)
		if err != nil {
			t.Fatal(err)
		}
		sugg, err := b.svc.Suggest(b.ctx, who, "password")
		if err != nil {
			t.Fatal(err)
		}
		_, home, err := b.svc.Home(b.ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		for name, list := range map[string][]helpdesk.Article{"search": res, "suggest": sugg, "home": home} {
			seen := map[int64]bool{}
			for _, a := range list {
				seen[a.ID] = true
			}
			if !seen[public.ID] {
				t.Errorf("%s as %s: the public article is missing", name, who.Role)
			}
			if seen[secret.ID] != staff {
				t.Errorf("%s as %s: staff-only article shown=%v", name, who.Role, seen[secret.ID])
			}
			if seen[draft.ID] {
				t.Errorf("%s as %s: a draft is listed", name, who.Role)
			}
		}
		for _, a := range []*helpdesk.Article{secret, draft} {
			_, err := b.svc.Article(b.ctx, who, a.ID)
			if staff && err != nil {
				t.Errorf("staff open %q: %v", a.Title, err)
			}
			if !staff && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
				t.Errorf("employee opens %q: err %v, want not found", a.Title, err)
			}
		}
	}
	// Employees cannot write.
	if _, err := b.svc.Create(b.ctx, b.employee, kb.Input{Title: "x", Body: "y"}); helpdesk.ErrorCode(err) != helpdesk.EFORBIDDEN {
		t.Errorf("employee creates: %v, want forbidden", err)
	}
}

// TestVersions: every save is a version, the diff shows what changed, and
// a save on top of a version someone else replaced is refused.
func TestVersions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.article(t, "Printer jams", "Open the cover.\nRemove the paper.\nClose the cover.", helpdesk.VisibleEmployees, true)
	up := func(base int, body string) error {
		_, err := b.svc.Update(b.ctx, b.agent, a.ID, kb.Input{Title: "Printer jams", Body: body, Visibility: helpdesk.VisibleEmployees,
			Published: true, BaseVersion: base, Note: "edit"})
		return err
	}
	if err := up(1, "Open the front cover.\nRemove the paper.\nClose the cover."); err != nil {
		t.Fatal(err)
	}
	if err := up(2, "Open the front cover.\nRemove the paper.\nClose the cover until it clicks."); err != nil {
		t.Fatal(err)
	}
	if err := up(2, "a stale edit"); helpdesk.ErrorCode(err) != helpdesk.ECONFLICT {
		t.Fatalf("stale save: %v, want conflict", err)
	}
	vs, err := b.svc.Versions(b.ctx, b.agent, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Version != 3 || vs[2].Body != "Open the cover.\nRemove the paper.\nClose the cover." {
		t.Fatalf("versions = %+v", vs)
	}
	_, _, diff, err := b.svc.Compare(b.ctx, b.agent, a.ID, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range diff {
		if l.Op != kb.Same {
			got = append(got, string(l.Op)+l.Text)
		}
	}
	want := []string{"-Open the cover.", "+Open the front cover.", "-Close the cover.", "+Close the cover until it clicks."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("diff 1..3 = %q, want %q", got, want)
	}
	cur, err := b.svc.Article(b.ctx, b.employee, a.ID)
	if err != nil || cur.Version != 3 || !strings.Contains(cur.BodyHTML, "until it clicks") {
		t.Errorf("article now = %+v, %v", cur, err)
	}
	if _, err := b.svc.Versions(b.ctx, b.employee, a.ID); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("employee reads versions: %v", err)
	}
}

// TestMarkdownSanitised: articles go through the ticket pipeline: script
// is gone, images and links stay.
func TestMarkdownSanitised(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.article(t, "Screenshots", "![the dialog](/help/articles/1/files/1)\n\n<script>alert(1)</script>\n\n[link](javascript:alert(1))",
		helpdesk.VisibleEmployees, true)
	if strings.Contains(a.BodyHTML, "<script") || strings.Contains(a.BodyHTML, "javascript:") {
		t.Errorf("unsafe HTML kept: %s", a.BodyHTML)
	}
	if !strings.Contains(a.BodyHTML, `<img src="/help/articles/1/files/1"`) {
		t.Errorf("image dropped: %s", a.BodyHTML)
	}
}
