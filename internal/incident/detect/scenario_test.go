package detect

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/internal/corpora"
)

// corpusRows loads the shared IT ticket corpus (text and category) as the
// normal arrivals of a scenario; it skips when the corpus is missing,
// except under CI=true.
func corpusRows(t testing.TB) []Row {
	t.Helper()
	rows, err := LoadCorpus(corpora.Path(t, CorpusFile))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestReplayScenario(t *testing.T) {
	corpus := corpusRows(t)
	for _, seed := range seeds() {
		s := NewScenario(corpus, 2, 5, 200, seed)
		start := time.Now()
		got := Replay(s.Rows, testConfig())
		sc := s.Evaluate(got)
		t.Logf("seed %d: %d tickets in %s: %s", seed, len(s.Rows), time.Since(start).Round(time.Millisecond), sc)
		if sc.Detected < 5 {
			t.Errorf("seed %d: detected %d of 5 outages", seed, sc.Detected)
		}
		if float64(sc.False) > sc.Weeks {
			t.Errorf("seed %d: %d false proposals in %.1f weeks", seed, sc.False, sc.Weeks)
		}
		if sc.MaxDelay > 10*time.Minute {
			t.Errorf("seed %d: slowest proposal %s after the 5th ticket", seed, sc.MaxDelay)
		}
	}
}

func seeds() []uint64 {
	if s := os.Getenv("DETECT_SEEDS"); s != "" {
		var out []uint64
		for _, f := range strings.Split(s, ",") {
			n, _ := strconv.ParseUint(f, 10, 64)
			out = append(out, n)
		}
		return out
	}
	return []uint64{1, 2, 3}
}

func testConfig() Config {
	var c Config
	if v, err := strconv.ParseFloat(os.Getenv("DETECT_SIM"), 64); err == nil {
		c.Similarity = v
	}
	if v, err := strconv.Atoi(os.Getenv("DETECT_MIN")); err == nil {
		c.MinTickets = v
	}
	return c
}
