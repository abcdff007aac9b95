package ticket

import (
	"bytes"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	md = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// UGC policy: formatting, links and images, never scripts, styles or
	// event handlers. Links get rel=nofollow noopener and open in a new tab.
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// Markdown rendering is bounded in size and time. Some inputs make the
// parser work far more than their length suggests (measured here: 100 KB of
// "[a](" 29 s of CPU, 50 KB of "*_a" 11 s; 4 KB of either under 0.1 s), so
// text longer than MaxMarkdown is shown as plain text (escaped, line breaks
// kept), and a render that takes longer than MarkdownBudget is abandoned
// for plain text too. An abandoned render cannot be interrupted; at most
// markdownSlots renders run at once, so a flood of bad input costs a core
// or two for a few seconds, not the server.
const (
	MaxMarkdown    = 32 << 10
	MarkdownBudget = 2 * time.Second
	markdownSlots  = 2
)

var renderSlots = make(chan struct{}, markdownSlots)

// RenderMarkdown turns user Markdown into sanitised HTML. Raw HTML in the
// input is escaped by goldmark and whatever survives is cleaned by
// bluemonday, so the result is safe to insert into a page as is.
func RenderMarkdown(src string) string {
	if h, ok := renderPlain(src); ok {
		return h // plain prose: linear, no goroutine or budget needed
	}
	return renderBounded(src)
}

// renderBounded is the full pipeline within MaxMarkdown and MarkdownBudget.
func renderBounded(src string) string {
	if len(src) > MaxMarkdown {
		return PlainHTML(src)
	}
	timer := time.NewTimer(MarkdownBudget)
	defer timer.Stop()
	select {
	case renderSlots <- struct{}{}:
	case <-timer.C:
		return PlainHTML(src)
	}
	done := make(chan string, 1)
	go func() {
		defer func() { <-renderSlots }()
		done <- renderMarkdown(src)
	}()
	select {
	case h := <-done:
		return h
	case <-timer.C:
		return PlainHTML(src)
	}
}

func renderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return PlainHTML(src)
	}
	return policy.Sanitize(buf.String())
}

// PlainHTML shows text as it was typed: escaped, paragraphs at blank
// lines, line breaks kept. Linear in the input.
func PlainHTML(src string) string {
	var b strings.Builder
	b.Grow(len(src) + len(src)/8)
	for _, para := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(strings.Trim(para, "\n")), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// SanitizeHTML cleans HTML from elsewhere (for example a mail body) with the
// same policy as rendered Markdown.
func SanitizeHTML(html string) string { return policy.Sanitize(html) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
