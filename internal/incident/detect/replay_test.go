package detect

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReplayOutput checks the command's contract: lines in the documented
// form, row numbers counted from the first data row, the totals line last.
func TestReplayOutput(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("when,body,cat\n")
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	filler := []string{"new laptop for starter", "monitor request", "access to confluence space", "purchase order for headset",
		"leaver form submitted", "printer toner empty", "keyboard broken", "outlook signature question"}
	n := 0
	for day := range 4 {
		for h := range 10 {
			for k := range 3 {
				n++
				at := base.Add(time.Duration(day*24+8+h)*time.Hour + time.Duration(k*17)*time.Minute)
				fmt.Fprintf(&csv, "%s,%q,Hardware\n", at.Format(time.RFC3339), filler[(n*7+k)%len(filler)]+fmt.Sprint(" item", n))
			}
		}
	}
	out := base.Add(4*24*time.Hour + 10*time.Hour)
	var outage []int
	for i := range 6 {
		n++
		outage = append(outage, n)
		fmt.Fprintf(&csv, "%s,\"vpn gateway vpn-gw-01.corp.example.com down, cannot connect %d\",Access\n",
			out.Add(time.Duration(i)*2*time.Minute).Format(time.RFC3339), i)
	}
	rows, err := ReadRows(strings.NewReader(csv.String()), "when", "body", "cat")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteReplay(&buf, Replay(rows, Config{})); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	t.Log(buf.String())
	line := regexp.MustCompile(`^incident start=(\S+) proposed=(\S+) tickets=([0-9,]+) entities=(\S*)$`)
	if len(lines) != 2 {
		t.Fatalf("want one incident and the totals, got %q", lines)
	}
	m := line.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("incident line %q not in the contract's form", lines[0])
	}
	if m[1] != out.Format(time.RFC3339) {
		t.Errorf("start %s, want the first outage ticket's %s", m[1], out.Format(time.RFC3339))
	}
	want := strings.Trim(strings.ReplaceAll(fmt.Sprint(outage), " ", ","), "[]")
	if m[3] != want {
		t.Errorf("tickets %s, want rows %s", m[3], want)
	}
	if !strings.Contains(m[4], "host:vpn-gw-01.corp.example.com") {
		t.Errorf("entities %q lack the shared host", m[4])
	}
	if lines[1] != "incidents=1 tickets_grouped=6" {
		t.Errorf("last line %q", lines[1])
	}
}
