package mail

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// htmlPolicy is bluemonday's user-generated-content policy (no scripts, styles, event
// handlers or dangerous URL schemes) plus what mail needs: cid: images that refer to
// attachments, data: images, and data-src so a viewer can load a remote image only
// when the agent asks for it (loading it by default tells the sender the mail was read).
var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	p.AllowDataURIImages()
	p.AllowAttrs("data-src").Matching(regexp.MustCompile(`^https?://[^\s"'<>]+$`)).OnElements("img")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// sanitizeHTML makes an HTML body safe to embed in our pages.
func sanitizeHTML(s string) string {
	return htmlPolicy.Sanitize(prepareHTML(s))
}

// domClobberAttr lists the attributes dropped from every element of mail
// HTML: an id or name from a mail would become a global of the agent's page
// (DOM clobbering) or collide with the workspace's own ids, so a mail with
// <p id="canned"> could break the page's scripts. bluemonday's UGC policy
// allows both, and has no way to take an attribute back.
var domClobberAttr = map[string]bool{"id": true, "name": true}

// prepareHTML moves the src of every <img> that is not a cid: or data: reference
// into data-src, before sanitising. Doing it on the token stream (the same tokenizer
// bluemonday uses) keeps the rest of the markup byte-for-byte, and the sanitiser still
// has the last word on what survives.
//
// The same pass drops id and name attributes (see domClobberAttr).
func prepareHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b bytes.Buffer
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				b.Write(z.Raw())
			}
			return b.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		attrs := tok.Attr[:0]
		for _, a := range tok.Attr {
			if domClobberAttr[a.Key] {
				continue
			}
			if tok.Data != "img" {
				attrs = append(attrs, a)
				continue
			}
			switch a.Key {
			case "src":
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(v, "cid:") || strings.HasPrefix(v, "data:image/") {
					attrs = append(attrs, a)
				} else if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
					attrs = append(attrs, html.Attribute{Key: "data-src", Val: strings.TrimSpace(a.Val)})
				}
			case "srcset", "data-src", "lowsrc", "dynsrc":
				// Dropped: each would be another way to fetch a remote image.
			default:
				attrs = append(attrs, a)
			}
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
}
