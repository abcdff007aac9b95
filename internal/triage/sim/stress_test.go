package sim

import (
	"bytes"
	"fmt"
	"testing"
)

// TestStress generates a few dozen adversarial rosters (seeded, so the run
// is the same every time) and checks Switchboard's properties on each.
func TestStress(t *testing.T) {
	t.Parallel()
	n := 30
	if testing.Short() {
		n = 8
	}
	outs := make([]StressOutcome, n)
	t.Run("rosters", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i+1), func(t *testing.T) {
				t.Parallel()
				o, err := CheckStress(GenerateStress(uint64(i+1), 7))
				if err != nil {
					t.Fatal(err)
				}
				outs[i] = o
				for _, v := range o.Violations {
					t.Errorf("seed %d: %s", o.Seed, v)
				}
			})
		}
	})
	var b bytes.Buffer
	WriteStress(&b, outs)
	t.Logf("\n%s", b.String())
}
