package web

import (
	"strconv"
	"time"
)

// InboundList is one of the admins' lists of mail that made no ticket:
// ignored (auto-replies, lists), refused, failed and bounces.
type InboundList struct {
	Status string // inbound_mail status; also the section's anchor
	Title  string
	Hint   string
	Rows   []InboundRow
}

// InboundRow is a stored mail, with enough to decide whether to open it.
type InboundRow struct {
	ID         int64
	ReceivedAt time.Time
	Sender     string
	Subject    string
	Kind       string // what the classifier took it for (auto-reply, list …)
	Reason     string
}

// RawURL is the admins' download of the mail as received.
func (r InboundRow) RawURL() string { return "/admin/mail/" + strconv.FormatInt(r.ID, 10) + "/raw" }
