package ticket_test

import (
	"context"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// TestAddMessageReturnsWhatItStored: the message AddMessage returns (and
// hands to AfterInsert) carries its time and its attachments as stored, so
// the API can answer without reading them back.
func TestAddMessageReturnsWhatItStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tk, err := b.svc.Create(ctx, b.requester, ticket.CreateInput{Subject: "Scanner", Description: "no output"})
	if err != nil {
		t.Fatal(err)
	}
	var inTx helpdesk.Message
	got, err := b.svc.AddMessage(ctx, b.agent, tk.Number, ticket.MessageInput{Body: "See the log.",
		Attachments: []helpdesk.Upload{
			{Filename: "../scan.png", Data: []byte("\x89PNG\r\n\x1a\nxxxx")},
			{Filename: "log.txt", Data: []byte("paper jam")},
		},
		AfterInsert: func(_ context.Context, _ *postgres.Tx, m *helpdesk.Message) error {
			inTx = *m
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := b.svc.Conversation(ctx, b.agent, tk)
	if err != nil {
		t.Fatal(err)
	}
	want := msgs[len(msgs)-1]
	for name, m := range map[string]helpdesk.Message{"returned": *got, "in AfterInsert": inTx} {
		if m.ID != want.ID || !m.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("%s message: id %d at %v, stored id %d at %v", name, m.ID, m.CreatedAt, want.ID, want.CreatedAt)
		}
		if len(m.Attachments) != len(want.Attachments) {
			t.Fatalf("%s message has %d attachments, stored %d", name, len(m.Attachments), len(want.Attachments))
		}
		for i, a := range m.Attachments {
			w := want.Attachments[i]
			if a.ID != w.ID || a.TicketID != tk.ID || a.Filename != w.Filename || a.ContentType != w.ContentType || a.Size != w.Size ||
				a.MessageID == nil || *a.MessageID != want.ID || !a.CreatedAt.Equal(w.CreatedAt) {
				t.Errorf("%s attachment %d = %+v, stored %+v", name, i, a, w)
			}
		}
	}
	if want.Attachments[0].Filename != "scan.png" || want.Attachments[0].ContentType != "image/png" {
		t.Errorf("stored attachment = %+v", want.Attachments[0])
	}
}
