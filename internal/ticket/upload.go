package ticket

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"unicode"

	"switchboard/internal/helpdesk"
)

// SafeFilename strips directories, control and shell-hostile characters, and
// bounds the length, so a name can go into a Content-Disposition header and
// onto anyone's disk.
func SafeFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), r == '/', r == '"', r == '<', r == '>', r == ':', r == '|', r == '?', r == '*', r == '`', r == '$', r == ';':
			b.WriteRune('_')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		}
	}
	out := strings.Trim(strings.TrimSpace(b.String()), ".")
	if out == "" || out == "_" {
		out = "attachment"
	}
	if r := []rune(out); len(r) > 120 {
		ext := filepath.Ext(out)
		if len([]rune(ext)) > 10 {
			ext = ""
		}
		out = string(r[:120-len([]rune(ext))]) + ext
	}
	return out
}

// SniffType decides the content type from the bytes, never from the client.
func SniffType(data []byte) string {
	t := http.DetectContentType(data)
	if strings.HasPrefix(t, "text/plain") {
		return "text/plain; charset=utf-8"
	}
	return t
}

func (s *Service) checkUploads(v *helpdesk.Validation, field string, ups []helpdesk.Upload) {
	limit := s.MaxAttachment
	if limit <= 0 {
		limit = 25 << 20
	}
	for _, u := range ups {
		if int64(len(u.Data)) > limit {
			v.Add(field, fmt.Sprintf("%s is larger than the limit of %d MB.", SafeFilename(u.Filename), limit>>20))
			return
		}
	}
}
