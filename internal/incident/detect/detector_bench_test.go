package detect

import (
	"testing"
	"time"

	"switchboard/internal/corpora"
)

// BenchmarkAddBusy feeds corpus tickets arriving every 100 ms (a busy
// intake: thousands inside the 90-minute window), the detector's work per
// new ticket in the server.
func BenchmarkAddBusy(b *testing.B) {
	rows, err := LoadCorpus(corpora.Path(b, CorpusFile))
	if err != nil {
		b.Fatal(err)
	}
	d := New(Config{})
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	i := 0
	// Warm the window first.
	for ; i < 3000; i++ {
		d.Add(Ticket{Key: int64(i), Time: at.Add(time.Duration(i) * 100 * time.Millisecond), Text: rows[i%len(rows)].Text})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d.Add(Ticket{Key: int64(i), Time: at.Add(time.Duration(i) * 100 * time.Millisecond), Text: rows[i%len(rows)].Text})
		i++
	}
}
