package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
)

// maxAttachment is the per-file limit from the configuration.
func (s *Server) maxAttachment() int64 {
	if s.Config != nil && s.Config.MaxAttachment > 0 {
		return s.Config.MaxAttachment
	}
	return 25 << 20
}

// readUploads parses a form that may carry files in field "attachments".
// The body as a whole is capped at ten files' worth, and each file is read
// only up to limit+1 bytes: an oversized file costs no more memory than the
// limit, and the ticket service's own size check names it. Plain urlencoded
// posts (no files) are accepted too. A body over the cap is an EINVALID on
// "attachments"; the fields read so far are still in r.Form.
func (s *Server) readUploads(w http.ResponseWriter, r *http.Request) ([]helpdesk.Upload, error) {
	limit := s.maxAttachment()
	r.Body = http.MaxBytesReader(w, r.Body, 10*limit+(2<<20))
	err := r.ParseMultipartForm(8 << 20)
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, http.ErrNotMultipart):
		return nil, r.ParseForm()
	case errors.As(err, &tooBig):
		return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "attachments",
				Message: fmt.Sprintf("The files are too large together: send at most %d MB at once.", (10*limit)>>20)}}}
	case err != nil:
		return nil, helpdesk.Errorf(helpdesk.EINVALID, "The form could not be read. Please try again.")
	}
	var ups []helpdesk.Upload
	for _, fh := range r.MultipartForm.File["attachments"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty file input of a form sent without files
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		ups = append(ups, helpdesk.Upload{Filename: fh.Filename, Data: data})
	}
	return ups, nil
}

// fieldErrors turns a validation error into field -> message for the form.
func fieldErrors(err error) map[string]string {
	out := map[string]string{}
	for _, f := range helpdesk.FieldErrors(err) {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = f.Message
		}
	}
	return out
}

// ticketNumber reads {number}; anything that is not a number is simply a
// ticket that does not exist.
func ticketNumber(r *http.Request) (int64, error) {
	return pathID(r, "number")
}

// pathID reads a positive numeric URL parameter; anything else is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n <= 0 {
		return 0, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return n, nil
}

// isHTMX reports whether htmx sent the request, so a fragment will do.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
