package mail

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseHeaderBlock(t *testing.T) {
	hdr := "Subject: first\r\n\tsecond\r\n  third\r\nnot a field\r\nReceived: a\r\nreceived: b\r\n continued\r\n bad line\r\nX-Empty:\r\n tail\r\n"
	want := map[string][]string{
		"Subject":  {"first second third"},
		"Received": {"a", "b continued bad line"},
		"X-Empty":  {" tail"},
	}
	if got := parseHeaderBlock([]byte(hdr)); !reflect.DeepEqual(got, want) {
		t.Errorf("parseHeaderBlock = %q, want %q", got, want)
	}
	// A long folded header (thousands of References lines) is joined once,
	// not rebuilt at every line.
	var b strings.Builder
	b.WriteString("References: <0@x>\r\n")
	for range 5000 {
		b.WriteString(" <ref@example.com>\r\n")
	}
	got := parseHeaderBlock([]byte(b.String()))["References"]
	if len(got) != 1 || strings.Count(got[0], "<ref@example.com>") != 5000 {
		t.Errorf("long folded header: %d values", len(got))
	}
}
