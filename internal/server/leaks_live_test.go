package server_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"
)

// nextEvents collects events until one equals until, failing after within.
func nextEvents(t *testing.T, ch <-chan string, until string, within time.Duration) []string {
	t.Helper()
	var seen []string
	deadline := time.After(within)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended before %q; saw %q", until, seen)
			}
			seen = append(seen, got)
			if got == until {
				return seen
			}
		case <-deadline:
			t.Fatalf("no %q within %s; saw %q", until, within, seen)
		}
	}
}

// The live stream never names a restricted ticket, nor presence on one, to
// staff outside its team. Notifications arrive in commit order, so every
// note about the secret ticket arrives before the later one about the open
// ticket that ends the wait.
func TestLeakStreamRestricted(t *testing.T) {
	t.Parallel()
	x := restrictedSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := events(ctx, t, x.outsideC, x.e.URL)
	in := events(ctx, t, x.insiderC, x.e.URL)
	waitEvent(t, out, "hello ok", 10*time.Second)
	waitEvent(t, in, "hello ok", 10*time.Second)

	if _, err := x.e.App.Tickets.Write(x.ctx, x.insider, x.secret.Number, "Confirmed: CFO account breached", true); err != nil {
		t.Fatal(err)
	}
	if err := x.e.App.Tickets.SetPresence(x.ctx, x.insider, x.secret.Number, "replying"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.e.App.Tickets.Write(x.ctx, x.admin, x.open.Number, "Toner ordered", true); err != nil {
		t.Fatal(err)
	}
	done := fmt.Sprintf("ticket %d", x.open.Number)
	// The insider hears all of it (so the test can tell a leak).
	seenIn := nextEvents(t, in, done, 20*time.Second)
	if !inList(seenIn, fmt.Sprintf("ticket %d", x.secret.Number)) || !inList(seenIn, fmt.Sprintf("presence %d", x.secret.Number)) {
		t.Fatalf("the team member did not hear of the restricted ticket: %q", seenIn)
	}
	for _, ev := range nextEvents(t, out, done, 20*time.Second) {
		if ev == fmt.Sprintf("ticket %d", x.secret.Number) || ev == fmt.Sprintf("presence %d", x.secret.Number) {
			t.Errorf("the outsider's stream announced %q", ev)
		}
	}
}

// A stream opened before sign-out ends with it: signing out (here, or of
// all devices elsewhere) ends the stream with a "signout" event.
func TestLeakStreamEndsAtSignOut(t *testing.T) {
	t.Parallel()
	x := restrictedSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	laptop := events(ctx, t, x.outsideC, x.e.URL)
	waitEvent(t, laptop, "hello ok", 10*time.Second)
	phone := x.e.SignIn(x.outsider)
	wantStatus(t, phone.PostForm("/logout-all", url.Values{}), 303)
	waitEvent(t, laptop, "signout bye", 20*time.Second)
	select {
	case ev, ok := <-laptop:
		if ok {
			t.Fatalf("the stream goes on after sign-out: %q", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the stream is still open after sign-out")
	}

	// Deactivation ends the stream too.
	c := x.e.SignIn(x.insider)
	s := events(ctx, t, c, x.e.URL)
	waitEvent(t, s, "hello ok", 10*time.Second)
	x.exec(t, `UPDATE users SET active = false WHERE id = $1`, x.insider.ID)
	waitEvent(t, s, "signout bye", 20*time.Second)
}

func inList(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
