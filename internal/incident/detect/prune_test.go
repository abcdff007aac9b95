package detect

import (
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"switchboard/internal/corpora"
)

// TestPruneKeepsDecisions: bestIncident skips the dot products of members
// that cannot reach the similarity bar; on a busy corpus stream every
// decision, incident and cached vector is the same as with every product
// computed.
func TestPruneKeepsDecisions(t *testing.T) {
	rows, err := LoadCorpus(corpora.Path(t, CorpusFile))
	if err != nil {
		t.Fatal(err)
	}
	run := func(prune bool) (sum uint64, children, proposed int) {
		pruneMembers = prune
		defer func() { pruneMembers = true }()
		d := New(Config{})
		h := fnv.New64a()
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		for i := range 3000 {
			dec := d.Add(Ticket{Key: int64(i), Time: at.Add(time.Duration(i) * 100 * time.Millisecond), Text: rows[i%len(rows)].Text})
			if dec.Child != nil {
				children++
				fmt.Fprintf(h, "child %d %v %v;", i, dec.Joined, dec.Child.Tickets)
			}
			if p := dec.Proposed; p != nil {
				proposed++
				fmt.Fprintf(h, "proposed %d %v %v %v %.17g;", i, p.Tickets, p.Entities, p.Words, p.Confidence)
			}
		}
		for _, dc := range d.docs {
			fmt.Fprintf(h, "%d %v %d;", dc.key, dc.vec.ws, dc.vecN)
		}
		return h.Sum64(), children, proposed
	}
	all, c1, p1 := run(false)
	pruned, c2, p2 := run(true)
	if c1 == 0 || p1 == 0 {
		t.Fatalf("%d children, %d proposals: the stream tests nothing", c1, p1)
	}
	if all != pruned || c1 != c2 || p1 != p2 {
		t.Errorf("pruned: %d children, %d proposals (hash %x); all products: %d, %d (hash %x)", c2, p2, pruned, c1, p1, all)
	}
}
