package slack_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// A request with a bad signature, one signed more than five minutes ago,
// and a replay of a good one are all refused with 401, and none of them
// files a ticket.
func TestSlackRefusesBadOldAndReplayedRequests(t *testing.T) {
	e := setup(t)
	ana := who{"U_ANA", "ana"}
	e.link(ana, e.User("requester"))
	before := e.ticketCount()
	form := url.Values{"team_id": {"T1"}, "user_id": {ana.id}, "user_name": {ana.name}, "channel_id": {"C1"},
		"command": {"/it"}, "text": {"new The printer on floor 3 is on fire"}}
	body := form.Encode()
	const ct = "application/x-www-form-urlencoded"

	if status, _ := e.send("/chat/slack/commands", ct, body, sign("not-the-secret", body, time.Now())); status != http.StatusUnauthorized {
		t.Errorf("bad signature: status %d, want 401", status)
	}
	if status, _ := e.send("/chat/slack/commands", ct, body, sign(signingSecret, body, time.Now().Add(-6*time.Minute))); status != http.StatusUnauthorized {
		t.Errorf("timestamp 6 minutes old: status %d, want 401", status)
	}
	if status, _ := e.send("/chat/slack/commands", ct, body, nil); status != http.StatusUnauthorized {
		t.Errorf("unsigned: status %d, want 401", status)
	}
	// Signed for another body: a tampered request.
	if status, _ := e.send("/chat/slack/commands", ct, body+"x", sign(signingSecret, body, time.Now())); status != http.StatusUnauthorized {
		t.Errorf("tampered body: status %d, want 401", status)
	}
	if n := e.ticketCount(); n != before {
		t.Fatalf("refused requests filed %d tickets", n-before)
	}

	h := sign(signingSecret, body, time.Now())
	if status, out := e.send("/chat/slack/commands", ct, body, h); status != http.StatusOK {
		t.Fatalf("good request: status %d: %s", status, out)
	}
	if n := e.ticketCount(); n != before+1 {
		t.Fatalf("good request filed %d tickets, want 1", n-before)
	}
	if status, _ := e.send("/chat/slack/commands", ct, body, h); status != http.StatusUnauthorized {
		t.Errorf("replay: status %d, want 401", status)
	}
	if n := e.ticketCount(); n != before+1 {
		t.Errorf("the replay filed a ticket")
	}
	// The events and interactions endpoints check the same way.
	for _, p := range []string{"/chat/slack/events", "/chat/slack/interactions"} {
		if status, _ := e.send(p, ct, body, sign("wrong", body, time.Now())); status != http.StatusUnauthorized {
			t.Errorf("%s with a bad signature: status %d, want 401", p, status)
		}
	}
}

// Slack's URL verification handshake answers the challenge (signed, like
// everything else).
func TestSlackEventsURLVerification(t *testing.T) {
	e := setup(t)
	body := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	status, out := e.send("/chat/slack/events", "application/json", body, sign(signingSecret, body, time.Now()))
	if status != http.StatusOK || out != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("challenge: %d %q", status, out)
	}
}
