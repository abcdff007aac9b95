package ticket

import (
	"bytes"
	"strconv"

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

// RenderMarkdown turns user Markdown into sanitised HTML. Raw HTML in the
// input is escaped by goldmark and whatever survives is cleaned by
// bluemonday, so the result is safe to insert into a page as is.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return policy.Sanitize("<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>")
	}
	return policy.Sanitize(buf.String())
}

// SanitizeHTML cleans HTML from elsewhere (for example a mail body) with the
// same policy as rendered Markdown.
func SanitizeHTML(html string) string { return policy.Sanitize(html) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
