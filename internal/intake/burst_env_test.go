package intake_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/corpora"
	"switchboard/internal/testwait"
)

// Burst threading: every mail of the shared corpora that has an in-corpus
// parent, with its ancestors, and a few hundred list-style conversations
// written like real clients write them (most replies carry In-Reply-To and
// the whole References chain, some only In-Reply-To, some only References),
// are shuffled within windows of 50 and delivered at full speed over SMTP by
// concurrent clients. Conversations must end as tickets: threading ≥ 0.99
// and tickets within 2 % of the conversations (the bar).

// burstMail is one mail to replay and the conversation it belongs to.
type burstMail struct {
	id, root string // Message-ID and its conversation's first Message-ID
	raw      []byte
}

var (
	headerEnd = regexp.MustCompile(`\r?\n\r?\n|\r\r`)
	foldedWS  = regexp.MustCompile(`\r?\n[ \t]+|\r[ \t]+`)
	angleID   = regexp.MustCompile(`<([^<>\s]+)>`)
)

// threadHeaders reads Message-ID and the ids of In-Reply-To and References
// from a raw header block, as bytes (the corpora mix LF, CRLF and CR).
func threadHeaders(raw []byte) (id string, refs []string) {
	head := raw
	if loc := headerEnd.FindIndex(raw); loc != nil {
		head = raw[:loc[0]]
	}
	head = foldedWS.ReplaceAll(head, []byte(" "))
	for _, line := range bytes.FieldsFunc(head, func(r rune) bool { return r == '\n' || r == '\r' }) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		ids := angleID.FindAllSubmatch(v, -1)
		switch strings.ToLower(string(bytes.TrimSpace(k))) {
		case "message-id":
			if len(ids) > 0 && id == "" {
				id = string(ids[0][1])
			}
		case "in-reply-to", "references":
			for _, m := range ids {
				refs = append(refs, string(m[1]))
			}
		}
	}
	return id, refs
}

// corpusThreads returns every corpus mail that has a parent in the corpora,
// with its ancestors, each once, tagged with its conversation.
func corpusThreads(t *testing.T) []burstMail {
	t.Helper()
	type entry struct {
		raw  []byte
		refs []string
	}
	byID := map[string]entry{}
	err := filepath.WalkDir(corpora.Path(t, ""), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".csv", ".gz", ".md", ".txt", ".xml", ".mjs", ".list", ".tnef", ".dat", ".png", ".jpg", ".gif":
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		parts := [][]byte{raw}
		if bytes.HasPrefix(raw, []byte("From ")) { // an mbox
			parts = bytes.Split(raw, []byte("\nFrom "))
		}
		for _, m := range parts {
			if id, refs := threadHeaders(m); id != "" {
				if _, seen := byID[id]; !seen {
					byID[id] = entry{raw: m, refs: refs}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var rootOf func(id string, depth int) string
	rootOf = func(id string, depth int) string {
		for _, r := range byID[id].refs {
			if _, ok := byID[r]; ok && r != id && depth < 50 {
				return rootOf(r, depth+1)
			}
		}
		return id
	}
	keep := map[string]bool{}
	for id, e := range byID {
		for _, r := range e.refs {
			if _, ok := byID[r]; ok && r != id {
				keep[id], keep[r] = true, true
			}
		}
	}
	var out []burstMail
	for id := range keep {
		out = append(out, burstMail{id: id, root: rootOf(id, 0), raw: byID[id].raw})
	}
	return out
}

// listThreads writes n conversations of 1 to 8 mails between people of
// domains whose SPF passes from loopback; replies answer a random earlier
// mail of their conversation.
func listThreads(rng *rand.Rand, n int) []burstMail {
	domains := []string{"example.com", "example.org", "example.net", "partner.example"}
	var out []burstMail
	for c := range n {
		topic := fmt.Sprintf("VPN drops every %d minutes on site %d", 5+c%40, c)
		type node struct {
			id   string
			refs []string
		}
		var nodes []node
		size := 1 + rng.IntN(8)
		for i := range size {
			from := fmt.Sprintf("person%d@%s", rng.IntN(40), domains[rng.IntN(len(domains))])
			id := fmt.Sprintf("list-%d-%d.%d@%s", c, i, rng.Uint32(), strings.Split(from, "@")[1])
			var extra []string
			subject := topic
			var chain []string
			if i > 0 {
				parent := nodes[rng.IntN(len(nodes))]
				chain = append(append([]string(nil), parent.refs...), parent.id)
				subject = "Re: " + topic
				refs := "References: <" + strings.Join(chain, "> <") + ">"
				switch r := rng.IntN(10); {
				case r < 8:
					extra = []string{"In-Reply-To: <" + parent.id + ">", refs}
				case r == 8:
					extra = []string{"In-Reply-To: <" + parent.id + ">"}
				default:
					extra = []string{refs}
				}
			}
			nodes = append(nodes, node{id: id, refs: chain})
			raw := msg(from, "it-list@"+domain, subject, id, fmt.Sprintf("Message %d of the thread about site %d.\n\nIt still happens here.", i, c), extra...)
			out = append(out, burstMail{id: id, root: nodes[0].id, raw: []byte(raw)})
		}
	}
	return out
}

// shuffleWindows shuffles each run of w mails: replies arrive before the
// mail they answer, as they do when a queue is flushed.
func shuffleWindows(rng *rand.Rand, ms []burstMail, w int) {
	for i := 0; i < len(ms); i += w {
		end := min(i+w, len(ms))
		rng.Shuffle(end-i, func(a, b int) { ms[i+a], ms[i+b] = ms[i+b], ms[i+a] })
	}
}

func TestBurstThreading(t *testing.T) {
	t.Parallel()
	corpus := corpusThreads(t)
	if len(corpus) < 3 {
		t.Fatalf("only %d corpus mails with an in-corpus parent or child", len(corpus))
	}
	e := setup(t, nil)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 13))
	all := append(corpus, listThreads(rng, 120)...)
	// Conversations in arrival order, each a run of its mails; then shuffled.
	conversations := map[string]bool{}
	for _, m := range all {
		conversations[m.root] = true
	}
	shuffleWindows(rng, all, 50)
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan burstMail)
	errs := make(chan error, len(all))
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				// As bytes: net/smtp's DATA writer only adds the CR a bare LF lacks.
				if err := smtp.SendMail(e.smtp, nil, "sender@example.com", []string{"it@" + domain}, m.raw); err != nil {
					errs <- fmt.Errorf("send %s: %w", m.id, err)
				}
			}
		}()
	}
	for _, m := range all {
		work <- m
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sent := time.Since(start)
	e.drain(4 * time.Minute)
	t.Logf("seed %d: %d mails (%d from the corpora) in %d conversations, sent in %v (%.0f/s), processed in %v",
		seed, len(all), len(corpus), len(conversations), sent.Round(time.Millisecond), float64(len(all))/sent.Seconds(),
		time.Since(start).Round(time.Millisecond))

	t.Logf("stored %d, tickets %d, messages %d", e.count(`SELECT count(*) FROM inbound_mail`), e.count(`SELECT count(*) FROM tickets`), e.count(`SELECT count(*) FROM messages`))
	// Where each mail ended: its message's ticket, following merges.
	ticketOf := map[string]int64{}
	rows, err := e.db.RawPool().Query(context.Background(), `WITH RECURSIVE final(id, dest) AS (
			SELECT id, id FROM tickets WHERE merged_into_id IS NULL
			UNION ALL SELECT t.id, f.dest FROM tickets t JOIN final f ON t.merged_into_id = f.id)
		SELECT m.email_message_id, f.dest FROM messages m JOIN final f ON f.id = m.ticket_id WHERE m.email_message_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var tk int64
		if err := rows.Scan(&id, &tk); err != nil {
			t.Fatal(err)
		}
		ticketOf[id] = tk
	}
	rows.Close()
	// Threading: the share of mails on their conversation's ticket (the one
	// most of its mails are on).
	votes := map[string]map[int64]int{}
	for _, m := range all {
		tk, ok := ticketOf[m.id]
		if !ok {
			t.Errorf("mail %s made no message: %s", m.id, e.str(`SELECT coalesce(string_agg(status || ' ' || reason, '; '), 'not stored') FROM inbound_mail WHERE message_id = $1`, m.id))
			continue
		}
		if votes[m.root] == nil {
			votes[m.root] = map[int64]int{}
		}
		votes[m.root][tk]++
	}
	onTicket, tickets := 0, map[int64]bool{}
	for _, v := range votes {
		best := 0
		for tk, n := range v {
			best = max(best, n)
			tickets[tk] = true
		}
		onTicket += best
	}
	threading := float64(onTicket) / float64(len(all))
	t.Logf("threading %.4f, %d tickets for %d conversations", threading, len(tickets), len(conversations))
	// The bar (threading ≥ 0.99, tickets within 2 % of the
	// conversations); every run so far threads all of them (1.0000). Without
	// the parent snooze and the conversation lock it is about 0.89 and +30 %.
	if extra := len(tickets) - len(conversations); threading < 0.99 || extra < 0 || float64(extra) > 0.02*float64(len(conversations)) {
		for root, v := range votes {
			if len(v) > 1 {
				t.Logf("conversation %s split over tickets %v", root, v)
			}
		}
		t.Fatalf("threading %.4f, %d tickets for %d conversations: want ≥ 0.99 and tickets within 2 %%",
			threading, len(tickets), len(conversations))
	}
}

// drain waits until every mail is processed and no mail job is left, with a
// deadline for a burst on a loaded machine.
func (e *mailEnv) drain(limit time.Duration) {
	e.t.Helper()
	testwait.Until(e.t, limit, "mail queue drained", func() bool {
		return e.count(`SELECT (SELECT count(*) FROM inbound_mail WHERE status = 'queued') +
			(SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
			 AND kind LIKE 'mail_%')`) == 0
	})
}

// TestLateParentJoinsWithEvent: two replies arrive and are processed before
// the mail they answer; that mail, arriving last, joins their ticket (one
// ticket for the conversation) and the ticket's timeline says it came late.
func TestLateParentJoinsWithEvent(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	to := "it@" + domain
	for i, from := range []string{"Bob <bob@example.org>", "Cleo <cleo@example.net>"} {
		e.mustSend("bounce@example.com", []string{to}, msg(from, to, "Re: Badge reader at the door", fmt.Sprintf("reply-%d@example.org", i),
			"Same here.", "In-Reply-To: <first@example.com>", "References: <first@example.com>"))
		e.idle()
	}
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets from two replies to one mail", n)
	}
	e.mustSend("bounce@example.com", []string{to}, msg("Ann <ann@example.com>", to, "Badge reader at the door", "first@example.com",
		"The badge reader at the main door rejects every badge."))
	e.idle()
	if n := e.count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets after the late parent, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM messages WHERE email_message_id = 'first@example.com'`); n != 1 {
		t.Fatalf("late parent not on the ticket: %s", e.str(`SELECT status || ' ' || reason FROM inbound_mail WHERE message_id = 'first@example.com'`))
	}
	if n := e.count(`SELECT count(*) FROM ticket_events WHERE kind = 'late_parent' AND after->>'from' = 'ann@example.com'`); n != 1 {
		t.Errorf("%d late-parent events", n)
	}
}

// A reply whose parent never arrives waits unknownParentWait in one go, not
// in a try (a parse, a query and a River job round) every parentSnooze.
func TestUnknownParentWaitsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	to := "it@" + domain
	e.mustSend("bounce@example.com", []string{to}, msg("Bob <bob@example.org>", to, "Re: Printer on floor 2", "lone-reply@example.org",
		"Still jammed.", "In-Reply-To: <never-seen@example.com>", "References: <never-seen@example.com>"))
	e.idle()
	if s := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'lone-reply@example.org'`); s != "ticket" {
		t.Fatalf("lone reply is %q, want a ticket", s)
	}
	snoozes := e.count(`SELECT coalesce(sum(coalesce((metadata->>'snoozes')::int, 0)), 0) FROM river_job
		WHERE kind = 'mail_process' AND (args->>'inbound_id')::bigint = (SELECT id FROM inbound_mail WHERE message_id = 'lone-reply@example.org')`)
	jobs := e.count(`SELECT count(*) FROM river_job WHERE kind = 'mail_process'`)
	if jobs+snoozes > 1 {
		t.Errorf("the wait took %d jobs and %d snoozes, want one job", jobs, snoozes)
	}
}
