package intake

import (
	"context"
	"slices"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
)

// ApprovalDecider records an approver's decision mailed back to a signed
// approval address (automation.Approvals); outcome is kept on the mail.
type ApprovalDecider interface {
	DecideByMail(ctx context.Context, id int64, sender *helpdesk.User, text string) (outcome string, err error)
}

// approvalReply handles mail to an approval address: it never becomes a
// ticket or a message. It decides only when the address was signed for the
// sender, the sender is a known active person, and the mail is
// authenticated (DKIM/SPF/DMARC, when sender checks are on) and no
// auto-reply, so nobody can approve by forging an approver's From.
func (pr *Processor) approvalReply(ctx context.Context, rcpt []string, p *mail.Parsed, known *helpdesk.User,
	verified bool, v mail.AuthVerdict, out *outcome) (bool, error) {
	addrs := slices.Clone(rcpt)
	for _, a := range append(p.To, p.Cc...) {
		addrs = append(addrs, a.Email)
	}
	i := slices.IndexFunc(addrs, func(a string) bool { return mail.IsApprovalAddress(a, pr.Domain) })
	if i < 0 {
		return false, nil
	}
	out.status = StatusIgnored
	id, ok := mail.ParseApprovalAddress(pr.Secret, addrs[i], pr.Domain, p.From.Email)
	switch {
	case pr.Approvals == nil:
		out.reason = "approval reply, but approvals are not running on this node"
	case !ok:
		out.reason = "approval reply to an address not made for this sender"
	case known == nil || !known.Active:
		out.reason = "approval reply from an unknown or deactivated sender"
	case !verified:
		out.reason = "approval reply not authenticated (or an auto-reply): " + v.Summary()
	default:
		reason, err := pr.Approvals.DecideByMail(ctx, id, known, p.Text)
		if err != nil {
			return true, err
		}
		out.reason = reason
	}
	pr.Log.Info("approval reply", "from", p.From.Email, "outcome", out.reason)
	return true, nil
}
