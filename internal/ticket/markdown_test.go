package ticket_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/internal/ticket"
)

// Markdown is rendered within bounds: ordinary input as Markdown, input
// past MaxMarkdown as escaped plain text at once, and input that makes the
// parser slow within the time budget (unbounded, 30 KB of "*_a" takes
// seconds of CPU).
func TestRenderMarkdownBounded(t *testing.T) {
	t.Parallel()
	if got := ticket.RenderMarkdown("**bold** <script>x</script>"); !strings.Contains(got, "<strong>bold</strong>") || strings.Contains(got, "<script") {
		t.Errorf("ordinary Markdown: %q", got)
	}
	long := strings.Repeat("[a](", ticket.MaxMarkdown/4+1) + "\n\n<b>x</b>"
	start := time.Now()
	got := ticket.RenderMarkdown(long)
	if time.Since(start) > 5*time.Second || strings.Contains(got, "<a") || !strings.Contains(got, "&lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("long input took %s and gave %.80q…", time.Since(start), got)
	}
	for _, bomb := range []string{strings.Repeat("*_a", 10_000), strings.Repeat("[a](", 8_000)} {
		start := time.Now()
		_ = ticket.RenderMarkdown(bomb)
		if took := time.Since(start); took > ticket.MarkdownBudget+10*time.Second {
			t.Errorf("a %d-byte bomb took %s", len(bomb), took)
		}
	}
}
