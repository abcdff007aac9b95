package ticket_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/ticket"
)

// The ticket's search vectors and each message's own vector are made from
// one parse of the body: the first message's words are in the ticket's
// search (weight B) and in the message; a public reply's in search, an
// internal note's only in note_search; past the indexed length of a long
// body, words are kept but not indexed.
func TestSearchVectorsFromMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	long := "The gateway drops packets. " + strings.Repeat("filler words here ", 2000) + " zeppelin"
	if len(long) < 32768 {
		t.Fatalf("body of %d characters does not pass the indexed length", len(long))
	}
	tk, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "Network outage", Description: long})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.AddMessage(ctx, b.requester, tk.Number, ticket.MessageInput{Body: "The firmware was updated yesterday."}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.AddMessage(ctx, b.agent, tk.Number, ticket.MessageInput{Body: "Escalated to the carrier.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	matches := func(cond string) bool {
		t.Helper()
		return count(t, b.db, "SELECT count(*) FROM tickets WHERE id = $1 AND "+cond, tk.ID) == 1
	}
	for _, c := range []struct {
		cond string
		want bool
	}{
		{"search @@ to_tsquery('english', 'outage:A')", true},
		{"search @@ to_tsquery('english', 'gateway:B')", true},
		{"search @@ to_tsquery('english', 'firmware:C')", true},
		{"search @@ to_tsquery('english', 'escalated')", false},
		{"note_search @@ to_tsquery('english', 'escalated')", true},
		{"note_search @@ to_tsquery('english', 'firmware')", false},
		{"search @@ to_tsquery('english', 'zeppelin')", false},
	} {
		if got := matches(c.cond); got != c.want {
			t.Errorf("ticket %s: %v, want %v", c.cond, got, c.want)
		}
	}
	// Every message carries its own vector (the queue's snippets read it).
	for _, c := range []struct {
		word string
		want int
	}{{"gateway", 1}, {"zeppelin", 0}, {"firmware", 1}, {"escalated", 1}} {
		if n := count(t, b.db, "SELECT count(*) FROM messages WHERE ticket_id = $1 AND search @@ to_tsquery('english', $2)",
			tk.ID, c.word); n != c.want {
			t.Errorf("messages matching %q: %d, want %d", c.word, n, c.want)
		}
	}
	if n := count(t, b.db, "SELECT count(*) FROM messages WHERE ticket_id = $1 AND search IS NULL", tk.ID); n != 0 {
		t.Errorf("%d messages without a vector", n)
	}
	// The whole body is kept, only its indexed part is bounded.
	if n := count(t, b.db, "SELECT count(*) FROM messages WHERE ticket_id = $1 AND body_text LIKE '%zeppelin'", tk.ID); n != 1 {
		t.Errorf("long body not kept whole")
	}
}
