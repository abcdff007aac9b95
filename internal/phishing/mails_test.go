package phishing

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// The organisation of the tests: example.com, with Dana Whitfield as a
// colleague whose name attackers borrow.
var testCfg = Config{
	OrgDomains:  []string{"example.com"},
	Staff:       []Person{{Name: "Dana Whitfield", Email: "dana.whitfield@example.com"}, {Name: "Ravi Menon", Email: "ravi@example.com"}},
	AuthServIDs: []string{"mx.example.com"},
}

// mailOf builds a mail from header lines and a body (CRLF line ends).
func mailOf(headers []string, body string) []byte {
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// multipart builds a multipart/mixed mail whose first part is text and the
// rest are attachments (name, type, data), base64-encoded.
func multipart(headers []string, text string, atts ...[3]string) []byte {
	const b = "test-boundary-42"
	var buf bytes.Buffer
	buf.WriteString(strings.Join(headers, "\r\n"))
	buf.WriteString("\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n")
	buf.WriteString("--" + b + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(text, "\n", "\r\n") + "\r\n")
	for _, a := range atts {
		buf.WriteString("--" + b + "\r\nContent-Type: " + a[1] + "; name=\"" + a[0] + "\"\r\nContent-Disposition: attachment; filename=\"" + a[0] +
			"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString([]byte(a[2]))
		for len(enc) > 76 {
			buf.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		buf.WriteString(enc + "\r\n")
	}
	buf.WriteString("--" + b + "--\r\n")
	return buf.Bytes()
}

// forwardAsAttachment is what "Forward as attachment" makes: the
// reporter's note plus the suspect as message/rfc822.
func forwardAsAttachment(reporter string, suspect []byte) []byte {
	const b = "fwd-boundary-7"
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "From: %s\r\nTo: security@helpdesk.example.com\r\nSubject: Fwd: suspicious\r\nMessage-ID: <%x@example.com>\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n", reporter, suspect[:min(8, len(suspect))])
	buf.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n")
	buf.WriteString("--" + b + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThis looks odd, please check. My own site is https://www.example.com and I signed it.\r\n")
	buf.WriteString("--" + b + "\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"suspect.eml\"\r\n\r\n")
	buf.Write(suspect)
	buf.WriteString("\r\n--" + b + "--\r\n")
	return buf.Bytes()
}

// forwardInline is what a plain "Forward" makes.
func forwardInline(reporter, from, subject, body string) []byte {
	return mailOf([]string{"From: " + reporter, "To: security@helpdesk.example.com", "Subject: Fwd: " + subject,
		"Message-ID: <inline-1@example.com>", "Content-Type: text/plain; charset=utf-8"},
		"Is this real?\n\n---------- Forwarded message ---------\nFrom: "+from+"\nDate: Mon, 7 Dec 2026 08:12:00 +0000\nSubject: "+subject+
			"\nTo: <me@example.com>\n\n"+body)
}

// ooxml builds a tiny Word document; with macros it holds word/vbaProject.bin.
func ooxml(t *testing.T, macros bool) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string]string{"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml": `<w:document/>`}
	if macros {
		files["word/vbaProject.bin"] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + string(utf16le("_VBA_PROJECT")) + "Sub AutoOpen()"
	}
	for _, name := range []string{"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"} {
		if _, ok := files[name]; !ok {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// zipOf builds a zip of the named files; encrypted sets the encryption flag
// the way a password-protected archive does.
func zipOf(t *testing.T, encrypted bool, names ...string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		if encrypted {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: n, Flags: 0x1, Method: zip.Store, CompressedSize64: 12, UncompressedSize64: 0})
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte("0123456789ab"))
			continue
		}
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("MZ\x90\x00 program"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// fakeDNS answers DKIM key lookups from a map; nothing else resolves.
type fakeDNS map[string]string

func (f fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := f[strings.TrimSuffix(name, ".")]; ok {
		return []string{v}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (f fakeDNS) LookupMX(context.Context, string) ([]*net.MX, error) {
	return nil, &net.DNSError{IsNotFound: true}
}
func (f fakeDNS) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{IsNotFound: true}
}
func (f fakeDNS) LookupAddr(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{IsNotFound: true}
}

// signed DKIM-signs a mail for domain and returns it with the DNS that
// publishes the key.
func signed(t *testing.T, domain string, raw []byte) ([]byte, fakeDNS) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: "s1", Signer: priv}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), fakeDNS{"s1._domainkey." + domain: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
}
