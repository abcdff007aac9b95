package web

import (
	"strings"

	"switchboard/internal/helpdesk"
)

// MessageView is a message as a page shows it. Mail keeps only the new text
// in view; quoted history and the signature are folded away, one click
// from the full text. The split is made by the handler (intake.FoldQuoted),
// so the template only chooses between the two shapes.
type MessageView struct {
	helpdesk.Message
	Folded  bool   // mail whose quoted part is folded away
	Visible string // the new text, plain, when Folded
	Quoted  string // history and signature, plain, when Folded
	RawURL  string // staff only: download of the mail it came from
}

// senderVerified reads the verdict line written by intake.
func senderVerified(check string) bool { return strings.HasPrefix(check, "Sender verified") }
