package phishing

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"

	"github.com/jhillyerd/enmime"
)

// riskyExt are extensions that run code when opened on Windows or macOS.
var riskyExt = map[string]bool{".exe": true, ".scr": true, ".com": true, ".pif": true, ".bat": true, ".cmd": true,
	".js": true, ".jse": true, ".vbs": true, ".vbe": true, ".wsf": true, ".wsh": true, ".hta": true, ".ps1": true,
	".msi": true, ".dll": true, ".lnk": true, ".jar": true, ".cpl": true, ".reg": true, ".iso": true, ".img": true,
	".vhd": true, ".vhdx": true, ".xll": true, ".app": true, ".sh": true, ".one": true, ".appx": true, ".msix": true,
	".url": true, ".library-ms": true, ".settingcontent-ms": true, ".chm": true}

// decoyExt are extensions people trust, put before a real one ("invoice.pdf.exe").
var decoyExt = map[string]bool{".pdf": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true, ".jpg": true,
	".jpeg": true, ".png": true, ".txt": true, ".zip": true, ".ppt": true, ".pptx": true, ".csv": true, ".rtf": true, ".mp3": true, ".mp4": true}

// macroExt are Office formats that may carry macros by design.
var macroExt = map[string]bool{".docm": true, ".xlsm": true, ".pptm": true, ".dotm": true, ".xltm": true, ".xlam": true, ".ppsm": true}

// checkAttachments types each attachment by its content and flags what can
// run code or hide it.
func checkAttachments(env *enmime.Envelope, a *Analysis) {
	parts := append(append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...), env.OtherParts...)
	for _, p := range parts {
		if len(a.Attachments) >= 50 {
			break
		}
		if strings.HasPrefix(p.ContentType, "multipart/") || (p.FileName == "" && strings.HasPrefix(p.ContentType, "image/")) {
			continue
		}
		a.Attachments = append(a.Attachments, inspectAttachment(p.FileName, p.ContentType, p.Content, a))
	}
}

// inspectAttachment types one file and adds its findings.
func inspectAttachment(name, declared string, data []byte, a *Analysis) AttachmentInfo {
	sum := sha256.Sum256(data)
	info := AttachmentInfo{Filename: name, DeclaredType: declared, Size: len(data), SHA256: hex.EncodeToString(sum[:])}
	info.RealType = sniff(data)
	lname := strings.ToLower(strings.TrimSpace(name))
	ext := path.Ext(lname)
	ev := name + " (sha256 " + info.SHA256[:16] + "…)"
	flag := func(f string, w int, reason string) {
		info.Flags = append(info.Flags, f)
		a.add("attachment", w, reason, ev)
	}
	if inner := path.Ext(strings.TrimSuffix(lname, ext)); inner != "" && decoyExt[inner] && (riskyExt[ext] || macroExt[ext] || ext == ".html" || ext == ".htm") {
		flag("double-extension", 40, "The attachment \""+name+"\" pretends to be a "+strings.TrimPrefix(inner, ".")+" file but is really a "+strings.TrimPrefix(ext, ".")+" file.")
	}
	switch {
	case info.RealType == "executable":
		flag("executable", 50, "The attachment \""+name+"\" is a program that would run on the computer.")
	case riskyExt[ext]:
		flag("script", 45, "The attachment \""+name+"\" is a "+strings.TrimPrefix(ext, ".")+" file, which runs code when opened.")
	}
	if info.RealType == "executable" && !riskyExt[ext] && ext != "" {
		flag("type-mismatch", 20, "The attachment \""+name+"\" is named like a "+strings.TrimPrefix(ext, ".")+" file but its content is a program.")
	}
	switch info.RealType {
	case "zip", "ooxml":
		inspectZip(name, data, &info, flag)
	case "ole":
		if hasOLEMacros(data) {
			flag("macro", 60, "The Office document \""+name+"\" contains macros (VBA code that runs when you enable editing).")
		}
	case "html":
		flag("html", 20, "The attachment \""+name+"\" is a web page that opens in the browser, outside the mail's protections.")
		checkHTMLAttachment(name, data, flag)
	case "pdf":
		if bytes.Contains(data, []byte("/JavaScript")) || bytes.Contains(data, []byte("/Launch")) {
			flag("pdf-active", 25, "The PDF \""+name+"\" contains scripts or asks to launch a program.")
		}
	case "rar", "7z", "gzip", "cab", "iso":
		flag("archive", 15, "The attachment \""+name+"\" is an archive ("+info.RealType+") that we cannot look inside; attackers use them to slip programs past filters.")
	}
	if macroExt[ext] && !contains(info.Flags, "macro") {
		flag("macro-format", 15, "The attachment \""+name+"\" is a macro-enabled Office format ("+strings.TrimPrefix(ext, ".")+").")
	}
	return info
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sniff names a file's real type from its first bytes.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("MZ")), bytes.HasPrefix(data, []byte("\x7fELF")),
		bytes.HasPrefix(data, []byte("\xcf\xfa\xed\xfe")), bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xcf")), bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")):
		return "executable"
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "ole"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		if bytes.Contains(data[:min(len(data), 4096)], []byte("[Content_Types].xml")) {
			return "ooxml"
		}
		return "zip"
	case bytes.HasPrefix(data, []byte("Rar!\x1a\x07")):
		return "rar"
	case bytes.HasPrefix(data, []byte("7z\xbc\xaf\x27\x1c")):
		return "7z"
	case bytes.HasPrefix(data, []byte("\x1f\x8b")):
		return "gzip"
	case bytes.HasPrefix(data, []byte("MSCF")):
		return "cab"
	case len(data) > 0x8006 && string(data[0x8001:0x8006]) == "CD001":
		return "iso"
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "pdf"
	case bytes.HasPrefix(data, []byte("{\\rtf")):
		return "rtf"
	}
	ct := http.DetectContentType(data)
	switch {
	case strings.HasPrefix(ct, "text/html"):
		return "html"
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case strings.HasPrefix(ct, "text/"):
		if looksLikeHTML(data) {
			return "html"
		}
		return "text"
	}
	return "binary"
}

func looksLikeHTML(data []byte) bool {
	head := bytes.ToLower(data[:min(len(data), 2048)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<form")) || bytes.Contains(head, []byte("<script"))
}

// inspectZip looks inside a ZIP or OOXML file without extracting it to disk:
// macros (vbaProject.bin), programs, and encryption that hides the content.
func inspectZip(name string, data []byte, info *AttachmentInfo, flag func(string, int, string)) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		flag("archive", 10, "The attachment \""+name+"\" is a damaged archive, which can be a trick to get past filters.")
		return
	}
	encrypted, macro := false, false
	var inner []string
	for i, f := range zr.File {
		if i >= 1000 {
			break
		}
		lname := strings.ToLower(f.Name)
		if f.Flags&0x1 != 0 {
			encrypted = true
		}
		if path.Base(lname) == "vbaproject.bin" || strings.HasSuffix(lname, "/vbadata.xml") {
			macro = true
		}
		ext := path.Ext(lname)
		if riskyExt[ext] && len(inner) < 5 {
			inner = append(inner, f.Name)
		}
		// One level down: an archive inside the archive, or a macro document.
		if len(data) < 20<<20 && (ext == ".zip" || ext == ".docm" || ext == ".xlsm" || ext == ".doc" || ext == ".xls") && f.Flags&0x1 == 0 && f.UncompressedSize64 < 10<<20 {
			if b := readZipFile(f); b != nil {
				switch t := sniff(b); {
				case t == "ole" && hasOLEMacros(b):
					macro = true
				case t == "ooxml" || t == "zip":
					if zr2, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
						for _, g := range zr2.File {
							if path.Base(strings.ToLower(g.Name)) == "vbaproject.bin" {
								macro = true
							}
							if riskyExt[path.Ext(strings.ToLower(g.Name))] && len(inner) < 5 {
								inner = append(inner, f.Name+"/"+g.Name)
							}
						}
					}
				}
			}
		}
	}
	if macro {
		flag("macro", 60, "The Office document \""+name+"\" contains macros (a vbaProject.bin: code that runs when you enable editing).")
	}
	if len(inner) > 0 {
		flag("archive-executable", 45, "The archive \""+name+"\" holds a program or script ("+strings.Join(inner, ", ")+").")
	}
	if encrypted {
		flag("encrypted", 35, "The archive \""+name+"\" is password-protected, so virus scanners cannot look inside; the password is usually in the mail.")
	}
}

func readZipFile(f *zip.File) []byte {
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer func() { _ = rc.Close() }()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(&limitReader{r: rc, n: 10 << 20}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// hasOLEMacros reports whether an OLE compound file (.doc, .xls, .ppt) has
// a VBA project: its directory names the _VBA_PROJECT stream (UTF-16LE).
func hasOLEMacros(data []byte) bool {
	return bytes.Contains(data, utf16le("_VBA_PROJECT")) || bytes.Contains(data, utf16le("VBA")) && bytes.Contains(data, utf16le("dir")) && bytes.Contains(data, utf16le("PROJECT"))
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return out
}

// checkHTMLAttachment flags an attached web page that asks for a password or
// sends a form elsewhere.
func checkHTMLAttachment(name string, data []byte, flag func(string, int, string)) {
	lower := bytes.ToLower(data)
	if bytes.Contains(lower, []byte("<form")) {
		flag("html-form", 25, "The attached page \""+name+"\" contains a form that sends what you type to someone.")
	}
	if bytes.Contains(lower, []byte(`type="password"`)) || bytes.Contains(lower, []byte(`type=password`)) || bytes.Contains(lower, []byte(`type='password'`)) {
		flag("html-password", 40, "The attached page \""+name+"\" asks for a password: a fake sign-in page.")
	}
	if bytes.Contains(lower, []byte("atob(")) || bytes.Contains(lower, []byte("unescape(")) || bytes.Contains(lower, []byte("document.write(")) {
		flag("html-obfuscated", 15, "The attached page \""+name+"\" hides its content in encoded script.")
	}
}

// limitReader stops after n bytes with an error, so a zip bomb entry is not read whole.
type limitReader struct {
	r interface{ Read([]byte) (int, error) }
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

var errTooBig = bytes.ErrTooLarge
