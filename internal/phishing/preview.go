package phishing

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/jhillyerd/enmime"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// previewPolicy keeps text structure only: no links, no images, no styles,
// no attributes at all, so a suspect shown to the security team can neither
// load anything nor be clicked.
var previewPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "i", "strong", "em", "u", "ul", "ol", "li", "table", "thead",
		"tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "hr", "small", "center", "font")
	return p
}()

// Preview is the suspect as the workspace may show it: its plain text, and
// a sanitised HTML view without images whose links are written out
// (defanged) instead of clickable.
type Preview struct {
	Text string
	HTML string
}

// MakePreview renders a suspect for the security team.
func MakePreview(raw []byte) Preview {
	env, err := readEnvelope(raw)
	if err != nil {
		return Preview{Text: string(raw[:min(len(raw), 100_000)])}
	}
	pv := Preview{Text: env.Text}
	if env.HTML != "" {
		pv.HTML = previewPolicy.Sanitize(unlink(env.HTML))
	}
	return pv
}

// unlink replaces each link with its text followed by the defanged target,
// and drops images, forms' targets and scripts' sources before sanitising.
func unlink(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	var b bytes.Buffer
	var hrefs []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				b.Write(z.Raw())
			}
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "a":
				if tt == html.StartTagToken {
					hrefs = append(hrefs, attr(tok, "href"))
				}
				continue
			case "img":
				if alt := attr(tok, "alt"); alt != "" {
					b.WriteString(html.EscapeString("[image: " + alt + "]"))
				}
				continue
			case "input":
				b.WriteString(html.EscapeString("[input field: " + attr(tok, "type") + "]"))
				continue
			}
			b.Write(z.Raw())
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" {
				if n := len(hrefs); n > 0 {
					if h := strings.TrimSpace(hrefs[n-1]); h != "" && !strings.HasPrefix(h, "#") {
						b.WriteString(html.EscapeString(" [→ " + Defang(h) + "]"))
					}
					hrefs = hrefs[:n-1]
				}
				continue
			}
			b.Write(z.Raw())
		default:
			b.Write(z.Raw())
		}
	}
}

// Part is one attachment of a suspect, for download by the security team.
type Part struct {
	Filename string
	Data     []byte
}

// Attachment returns the i-th attachment of a suspect (the order of
// Analysis.Attachments), or false.
func Attachment(raw []byte, i int) (Part, bool) {
	env, err := readEnvelope(raw)
	if err != nil {
		return Part{}, false
	}
	n := 0
	for _, p := range append(append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...), env.OtherParts...) {
		if strings.HasPrefix(p.ContentType, "multipart/") || (p.FileName == "" && strings.HasPrefix(p.ContentType, "image/")) {
			continue
		}
		if n == i {
			return Part{Filename: p.FileName, Data: p.Content}, true
		}
		n++
	}
	return Part{}, false
}
