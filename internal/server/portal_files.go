package server

import (
	"mime"
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
)

// attachment sends a file of a ticket the viewer may see; a file of another
// ticket, or of an internal note for a requester, is the same 404 as a
// missing one. The type is the one sniffed at upload; images the browser
// can show are inline, everything else downloads, and a sandbox CSP keeps
// any HTML or SVG that is opened anyway from running script on our origin.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Tickets.Attachment(r.Context(), CurrentUser(r.Context()), n, id)
	if err != nil {
		return err
	}
	sendFile(w, f.Filename, f.ContentType, f.Data)
	return nil
}

// sendFile writes a stored file: images the browser can show inline,
// everything else as a download, under a sandbox CSP.
func sendFile(w http.ResponseWriter, filename, contentType string, data []byte) {
	disposition := "attachment"
	if helpdesk.InlineImage(contentType) {
		disposition = "inline"
	}
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": filename})
	if cd == "" {
		cd = disposition + `; filename="attachment"`
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", cd)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data) // headers are out: a broken connection is not ours to report
}
