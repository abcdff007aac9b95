package devdata

import (
	"testing"

	"switchboard/internal/automation"
)

// The demo's rules would be refused by the rule form if their conditions
// did not compile; they skip that check on the way in, so check here.
func TestDemoRulesCompile(t *testing.T) {
	for _, r := range demoRules {
		if _, err := automation.Compile(r.Condition); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
}
