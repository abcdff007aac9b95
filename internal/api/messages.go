package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// listMessages: GET /tickets/{number}/messages; requesters never get notes.
func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	viewer := caller(r)
	t, err := h.Tickets.Get(r.Context(), viewer, n)
	if err != nil {
		return err
	}
	msgs, err := h.Tickets.Conversation(r.Context(), viewer, t)
	if err != nil {
		return err
	}
	out := struct {
		Messages []messageJSON `json:"messages"`
	}{make([]messageJSON, 0, len(msgs))}
	for i := range msgs {
		out.Messages = append(out.Messages, messageView(n, &msgs[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

type addMessageRequest struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

// addMessage: POST /tickets/{number}/messages -> 201 with the message.
func (h *Handler) addMessage(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	var in addMessageRequest
	body, err := decodeJSON(w, r, h.MaxJSONBody, &in)
	if err != nil {
		return err
	}
	return h.postMessage(w, r, n, body, ticket.MessageInput{Body: in.Body, Internal: in.Internal})
}

// postMessage runs AddMessage with the idempotency record and the answer
// written in its transaction.
func (h *Handler) postMessage(w http.ResponseWriter, r *http.Request, n int64, body []byte, mi ticket.MessageInput) error {
	k, done, err := h.beginIdempotent(w, r, body)
	if done || err != nil {
		return err
	}
	mi.Source = helpdesk.SourceAPI
	var answer []byte
	// m is the message as stored, attachments and time included: the
	// answer needs no read of its own.
	mi.AfterInsert = func(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message) error {
		var err error
		if answer, err = json.Marshal(messageView(n, m)); err != nil {
			return err
		}
		return k.store(ctx, tx, http.StatusCreated, "", answer)
	}
	if _, err := h.Tickets.AddMessage(r.Context(), caller(r), n, mi); err != nil {
		return h.finish(w, r, k, err)
	}
	writeRaw(w, http.StatusCreated, answer)
	return nil
}

// listEvents: GET /tickets/{number}/events; staff only (404 for others, as
// in the web UI).
func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	viewer := caller(r)
	t, err := h.Tickets.Get(r.Context(), viewer, n)
	if err != nil {
		return err
	}
	evs, err := h.Tickets.Events(r.Context(), viewer, t)
	if err != nil {
		return err
	}
	out := struct {
		Events []eventJSON `json:"events"`
	}{make([]eventJSON, 0, len(evs))}
	for i := range evs {
		out.Events = append(out.Events, eventView(&evs[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// uploadAttachments: POST /tickets/{number}/attachments, multipart/form-data
// with one or more "file" parts and optional "body" and "internal" fields;
// it posts a message carrying the files.
func (h *Handler) uploadAttachments(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported-media-type",
			detail: "Send the files as multipart/form-data."}
	}
	// The whole body is read (within the cap) so the idempotency hash
	// covers it; the files are held in memory by the ticket service anyway.
	body, err := readBody(w, r, h.MaxUpload)
	if err != nil {
		return err
	}
	mi, err := parseUpload(body, params["boundary"])
	if err != nil {
		return err
	}
	return h.postMessage(w, r, n, body, mi)
}

func parseUpload(body []byte, boundary string) (ticket.MessageInput, error) {
	var mi ticket.MessageInput
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return mi, badJSON("The multipart body is malformed.")
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return mi, badJSON("The multipart body is malformed.")
		}
		switch p.FormName() {
		case "file":
			mi.Attachments = append(mi.Attachments, helpdesk.Upload{Filename: p.FileName(), Data: data})
		case "body":
			mi.Body = string(data)
		case "internal":
			b, err := strconv.ParseBool(string(data))
			if err != nil {
				return mi, helpdesk.Invalid("internal", "internal must be true or false.")
			}
			mi.Internal = b
		default:
			return mi, helpdesk.Invalid(p.FormName(), "Unknown form field "+strconv.Quote(p.FormName())+"; send file, body and internal.")
		}
	}
	if len(mi.Attachments) == 0 {
		return mi, helpdesk.Invalid("file", "Attach at least one file.")
	}
	return mi, nil
}

// downloadAttachment: GET /tickets/{number}/attachments/{id}. Always a
// download, never rendered inline, with the type sniffed at upload.
func (h *Handler) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return errNoRoute
	}
	a, err := h.Tickets.Attachment(r.Context(), caller(r), n, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(a.Data) //nolint:gosec // sent as an attachment (Content-Disposition) with nosniff: the browser downloads it, never renders it
	return nil
}
