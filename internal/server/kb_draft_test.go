package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestPendingDraft: staff redraft a published article without taking it
// down; employees keep reading (and finding) the live version until the
// draft is published, which makes it the live version with every version
// kept; a discarded draft leaves the live version alone.
func TestPendingDraft(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	id := b.pub.ID
	edit := fmt.Sprintf("/kb/%d/edit", id)
	form := func(body, state, base string) url.Values {
		return url.Values{"title": {"Set up the VPN on a new laptop"}, "body": {body}, "visibility": {"employees"},
			"category": {"Network"}, "state": {state}, "base_version": {base}}
	}
	ed := b.staff.Get(edit)
	wantStatus(t, ed, http.StatusOK)
	if ed.Doc.Find(`#kb-state input[value="draft"]`).Length() != 1 {
		t.Fatal("the editor of a published article offers no draft")
	}
	r := b.staff.PostForm(edit, form("Install the new Zephyrclient and sign in.", "draft", "1"))
	wantStatus(t, r, http.StatusSeeOther)

	// Employees: the live version, in the page and in search; the draft's
	// words find nothing.
	if p := b.emp.Get(fmt.Sprintf("/help/articles/%d", id)); !has(p.Text("main"), "Install the VPN client") || has(p.Text("main"), "Zephyrclient") {
		t.Errorf("employee's article page during the draft: %q", p.Text("main"))
	}
	if s := b.emp.Get("/help?q=zephyrclient"); has(s.Text("main"), "Set up the VPN") {
		t.Error("the help search finds the pending draft's words")
	}
	// Staff: the editor opens on the draft, and a second save builds on it.
	ed = b.staff.Get(edit)
	if ed.Doc.Find("#body").Text() != "Install the new Zephyrclient and sign in." || !has(ed.Text("#kb-draft"), "draft version 2") {
		t.Fatalf("the editor does not open on the pending draft: %q / %q", ed.Doc.Find("#body").Text(), ed.Text("#kb-draft"))
	}
	wantStatus(t, b.staff.PostForm(edit, form("Install the new Zephyrclient, then sign in with your badge.", "draft", "2")), http.StatusSeeOther)
	// A save from the live version (someone else's stale editor) conflicts.
	wantStatus(t, b.staff.PostForm(edit, form("stale", "publish", "1")), http.StatusConflict)
	if p := b.emp.Get(fmt.Sprintf("/help/articles/%d", id)); !has(p.Text("main"), "Install the VPN client") {
		t.Error("a draft save or a stale save changed the live article")
	}

	// Publishing the draft makes it the live version.
	wantStatus(t, b.staff.PostForm(fmt.Sprintf("/kb/%d/draft/publish", id), url.Values{"base_version": {"3"}}), http.StatusSeeOther)
	if p := b.emp.Get(fmt.Sprintf("/help/articles/%d", id)); !has(p.Text("main"), "sign in with your badge") {
		t.Errorf("published draft not live: %q", p.Text("main"))
	}
	if s := b.emp.Get("/help?q=zephyrclient"); !has(s.Text("main"), "Set up the VPN") {
		t.Error("the published draft is not found by search")
	}
	v := b.staff.Get(fmt.Sprintf("/kb/%d/versions", id))
	if n := v.Doc.Find("#versions tbody tr").Length(); n != 4 {
		t.Errorf("versions after two draft saves and a publish: %d, want 4 (live 1, drafts 2 and 3, published 4)", n)
	}
	if b.staff.Get(edit).Doc.Find("#kb-draft").Length() != 0 {
		t.Error("a pending draft is still shown after publishing it")
	}

	// A discarded draft leaves the live version and stays in the history.
	wantStatus(t, b.staff.PostForm(edit, form("Throwaway idea.", "draft", "4")), http.StatusSeeOther)
	wantStatus(t, b.staff.PostForm(fmt.Sprintf("/kb/%d/draft/discard", id), url.Values{"base_version": {"5"}}), http.StatusSeeOther)
	if p := b.emp.Get(fmt.Sprintf("/help/articles/%d", id)); !has(p.Text("main"), "sign in with your badge") || has(p.Text("main"), "Throwaway") {
		t.Error("discarding the draft changed the live article")
	}
	if ed := b.staff.Get(edit); has(ed.Doc.Find("#body").Text(), "Throwaway") {
		t.Error("the editor still opens on the discarded draft")
	}
	// Employees cannot publish or discard drafts.
	wantStatus(t, b.emp.PostForm(fmt.Sprintf("/kb/%d/draft/publish", id), url.Values{"base_version": {"5"}}), http.StatusNotFound)
	// Unpublishing is explicit.
	wantStatus(t, b.staff.PostForm(edit, form("Gone for now.", "unpublish", "4")), http.StatusSeeOther)
	wantStatus(t, b.emp.Get(fmt.Sprintf("/help/articles/%d", id)), http.StatusNotFound)
}
