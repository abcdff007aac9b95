package jobs_test

import (
	"testing"

	"switchboard/internal/jobs"
)

// Two job types with one kind would send one feature's jobs to another's
// worker.
func TestKindsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range jobs.All() {
		if seen[a.Kind()] {
			t.Errorf("kind %q used twice", a.Kind())
		}
		seen[a.Kind()] = true
	}
}
