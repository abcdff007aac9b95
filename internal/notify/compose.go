// Package notify is email out: it renders notifications (acknowledgement,
// agent replies, resolution, mentions, refusals), gives each our Message-ID
// with In-Reply-To/References so mail clients thread them, puts them in the
// outbox and sends them through the relay from River jobs with retry.
package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"

	"switchboard/internal/mail"
)

// Mail is one outgoing message before encoding.
type Mail struct {
	From       netmail.Address
	To         netmail.Address
	ReplyTo    string
	Subject    string
	Text       string
	HTML       string // a complete, safe HTML fragment
	MessageID  string // bare, no <>
	InReplyTo  string
	References []string
	// Auto marks mail no person wrote (acknowledgements, status mail):
	// Auto-Submitted tells other robots not to answer it.
	Auto bool
	Date time.Time
}

// Bytes encodes m as an RFC 5322 message with a text and an HTML part.
func (m *Mail) Bytes() []byte {
	var b bytes.Buffer
	h := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	h("Date", m.Date.Format(time.RFC1123Z))
	h("From", m.From.String())
	h("To", m.To.String())
	if m.ReplyTo != "" {
		h("Reply-To", (&netmail.Address{Name: m.From.Name, Address: m.ReplyTo}).String())
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Message-ID", "<"+m.MessageID+">")
	if m.InReplyTo != "" {
		h("In-Reply-To", "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		h("References", "<"+strings.Join(m.References, ">\r\n <")+">")
	}
	h(mail.LoopHeader, "1")
	if m.Auto {
		h("Auto-Submitted", "auto-generated")
		// Exchange and Outlook honour this instead of RFC 3834: no out-of-office back.
		h("X-Auto-Response-Suppress", "All")
	}
	h("MIME-Version", "1.0")
	boundary := "sb-" + randHex(12)
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	part := func(ctype, body string) {
		b.WriteString("--" + boundary + "\r\n")
		b.WriteString("Content-Type: " + ctype + "; charset=utf-8\r\n")
		b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
		_ = w.Close()
		b.WriteString("\r\n")
	}
	part("text/plain", m.Text)
	part("text/html", "<!doctype html><html><body>"+m.HTML+"</body></html>")
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

func randHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// threadRefs returns In-Reply-To and a bounded References list from a
// ticket's Message-IDs (oldest first): the root and the latest ones, as
// RFC 5322 suggests when the full chain grows long.
func threadRefs(ids []string) (string, []string) {
	if len(ids) == 0 {
		return "", nil
	}
	refs := ids
	if len(ids) > 10 {
		refs = append([]string{ids[0]}, ids[len(ids)-9:]...)
	}
	return ids[len(ids)-1], refs
}

func parseAddr(s string) (string, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}
