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

// Limits on the plain (non-file) fields of a multipart form. The longest
// real field, a description or reply, is refused by the ticket service past
// 100,000 characters, so a value is kept up to maxFieldValue+1 bytes and the
// service's own check names it; maxFormFields bounds them all together.
const (
	maxFieldValue = 1 << 20
	maxFormFields = 2 << 20
	maxFormParts  = 1000 // as net/http's ParseMultipartForm
)

// readUploads reads a form that may carry files in field "attachments".
// The body as a whole is capped at ten files' worth, and each file is read
// only up to limit+1 bytes: an oversized file costs no more memory than the
// limit, and the ticket service's own size check names it. Plain urlencoded
// posts (no files) are accepted too.
//
// The parts are read one by one rather than with ParseMultipartForm, which
// drops the whole form when one part is bad (say, a file name with a control
// character): here every field read before the bad part stays in r.Form and
// r.PostForm, so the form comes back with the user's text, and the error is
// an EINVALID on "attachments" (and no uploads). r.Form and r.PostForm are
// always set on return, so a later r.PostFormValue does not try to parse the
// body again.
func (s *Server) readUploads(w http.ResponseWriter, r *http.Request) ([]helpdesk.Upload, error) {
	limit := s.maxAttachment()
	allowBody(w, r, 10*limit+(2<<20))
	// For a urlencoded post this reads the body; for a multipart one only the
	// query, and it sets r.Form and r.PostForm for the fields to go into. A
	// malformed query string on a multipart post is ignored, as nothing the
	// user typed is in it.
	perr := r.ParseForm()
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, perr
	} else if err != nil { // no boundary: no part can be read
		return nil, attachmentsError(badPartMessage)
	}
	var (
		ups        []helpdesk.Upload
		fieldBytes int
	)
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return ups, nil
		} else if err != nil {
			return nil, s.partError(err)
		}
		if parts == maxFormParts {
			_ = p.Close()
			return nil, attachmentsError(fmt.Sprintf("Too many files at once: send at most %d.", maxFormParts))
		}
		name, filename := p.FormName(), p.FileName()
		switch {
		case name == "":
			// Not a form field: nothing to keep.
		case filename == "":
			// A plain field, or a file input left empty (no file name, no
			// data): as with ParseMultipartForm, that is no file.
			v, err := io.ReadAll(io.LimitReader(p, maxFieldValue+1))
			if err != nil {
				return nil, s.partError(err)
			}
			if fieldBytes += len(v); fieldBytes > maxFormFields {
				return nil, attachmentsError("The text of the form is too long to read. Shorten it and send it again.")
			}
			r.PostForm.Add(name, string(v))
			r.Form.Add(name, string(v))
		case name == "attachments":
			data, err := io.ReadAll(io.LimitReader(p, limit+1))
			if err != nil {
				return nil, s.partError(err)
			}
			ups = append(ups, helpdesk.Upload{Filename: filename, Data: data})
		}
		// NextPart discards what is left of this part.
	}
}

// badPartMessage is shown when a part of the form cannot be parsed; in
// practice a file whose name the browser sent with characters HTTP forbids.
const badPartMessage = "One of the files could not be read (its name may contain unusual characters). Rename it and attach it again."

// partError turns a failure while reading the parts into the message the
// attachments field shows: the body cap, or a part that cannot be read.
func (s *Server) partError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return attachmentsError(fmt.Sprintf("The files are too large together: send at most %d MB at once.", (10*s.maxAttachment())>>20))
	}
	return attachmentsError(badPartMessage)
}

// attachmentsError is an EINVALID shown next to the attachments input,
// the one field both the new-ticket and the reply form have for files.
func attachmentsError(msg string) error {
	return helpdesk.Invalid("attachments", msg)
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
