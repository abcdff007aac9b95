package server

import (
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/web"
)

// messageViews prepares a conversation for display: mail has its quoted
// history and signature folded, and staff get a link to the raw mail.
func messageViews(number int64, msgs []helpdesk.Message, staff bool) []web.MessageView {
	out := make([]web.MessageView, len(msgs))
	for i, m := range msgs {
		out[i] = messageView(number, m, staff)
	}
	return out
}

func messageView(number int64, m helpdesk.Message, staff bool) web.MessageView {
	v := web.MessageView{Message: m}
	if m.Source != helpdesk.SourceEmail {
		return v
	}
	if staff {
		v.RawURL = fmt.Sprintf("/tickets/%d/messages/%d/raw", number, m.ID)
	}
	// FoldQuoted keeps every line in visible+quoted, so nothing is lost;
	// with nothing to fold the stored HTML stays, formatting and all.
	v.Visible, v.Quoted = mail.FoldQuoted(m.BodyText)
	v.Folded = v.Quoted != ""
	return v
}
