package mail

import "testing"

// TestApprovalAnswer: only an explicit word decides; a reply whose first
// word says the opposite of its meaning decides nothing.
func TestApprovalAnswer(t *testing.T) {
	for _, c := range []struct {
		text        string
		ok, approve bool
		comment     string
	}{
		{"Approved.\nGo ahead.", true, true, "Go ahead."},
		{"decline: no budget this quarter", true, false, "no budget this quarter"},
		{"\n\nDenied - use the standard laptop", true, false, "use the standard laptop"},
		{"No problem, go ahead", false, false, ""},
		{"OK but not until Q3", false, false, ""},
		{"Yes", false, false, ""},
		{"> Approve\nquoted only", false, false, ""},
	} {
		approve, comment, ok := ApprovalAnswer(c.text)
		if ok != c.ok || approve != c.approve || comment != c.comment {
			t.Errorf("ApprovalAnswer(%q) = %v, %q, %v; want %v, %q, %v", c.text, approve, comment, ok, c.approve, c.comment, c.ok)
		}
	}
}
