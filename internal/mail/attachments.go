package mail

import (
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jhillyerd/enmime"
)

// maxParts bounds how many parts are kept from one message; a message with more is
// almost certainly an attack on the parser, and the first parts are the useful ones.
const maxParts = 500

// collectAttachments walks the part tree and keeps every leaf that is not the text or
// HTML body. Walking ourselves (rather than using enmime's Attachments/Inlines lists)
// keeps parts enmime files under neither list, such as message/delivery-status and
// message/rfc822, which Classify needs for bounces.
func collectAttachments(p *Parsed, root *enmime.Part) {
	var walk func(part *enmime.Part, depth int)
	n := 0
	walk = func(part *enmime.Part, depth int) {
		for ; part != nil && n < maxParts; part = part.NextSibling {
			if part.FirstChild != nil && depth < 50 {
				walk(part.FirstChild, depth+1)
				continue
			}
			if isBodyPart(part, part == root) {
				continue
			}
			n++
			p.Attachments = append(p.Attachments, Attachment{
				Filename:     safeFilename(part.FileName, part.ContentType, len(p.Attachments)+1),
				ContentType:  http.DetectContentType(part.Content),
				DeclaredType: part.ContentType,
				ContentID:    strings.Trim(strings.TrimSpace(part.ContentID), "<>"),
				Inline:       part.Disposition == "inline" || (part.Disposition == "" && part.ContentID != ""),
				Data:         part.Content,
			})
		}
	}
	if root.FirstChild == nil {
		walk(root, 0)
		return
	}
	walk(root.FirstChild, 1)
	if n >= maxParts {
		p.warnf("more than %d parts; the rest were not kept", maxParts)
	}
}

// isBodyPart reports whether a leaf is (part of) the message body that enmime already
// put into Text/HTML: a text/plain or text/html part that is not an attachment.
func isBodyPart(part *enmime.Part, isRoot bool) bool {
	if part.ContentType != "text/plain" && part.ContentType != "text/html" {
		// A single-part message of another type becomes the body or an attachment by
		// enmime's rules; as an attachment it is kept.
		return isRoot && strings.HasPrefix(part.ContentType, "multipart/")
	}
	if part.Disposition == "attachment" {
		return false
	}
	return part.FileName == "" || isRoot
}

// safeFilename makes a sender-chosen file name safe to store and offer for download:
// no directories, no control or bidi-override characters, no leading dots, bounded
// length, and a generic name when none is left.
func safeFilename(name, ctype string, n int) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
		case strings.ContainsRune(`/:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ". ")
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = Truncate(name, 200-len(ext))
		name = strings.TrimSuffix(name, "…") + ext
	}
	if name == "" {
		name = "attachment-" + strconv.Itoa(n)
		if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
			name += exts[0]
		}
	}
	return name
}
