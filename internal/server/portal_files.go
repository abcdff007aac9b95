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
	disposition := "attachment"
	if helpdesk.InlineImage(f.ContentType) {
		disposition = "inline"
	}
	cd := mime.FormatMediaType(disposition, map[string]string{"filename": f.Filename})
	if cd == "" {
		cd = disposition + `; filename="attachment"`
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", cd)
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Data) // headers are out: a broken connection is not ours to report
	return nil
}
