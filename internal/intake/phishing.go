package intake

import (
	"context"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// A mail to an intake address marked "phishing reports" becomes a report:
// its ticket keeps the reporter's text only (no HTML, no attachments: the
// suspect is shown only through the phishing panel's safe views), and the
// analysis job is enqueued in the transaction that files it.

// phishingAddress reports whether a mail came to a phishing-reports address.
func phishingAddress(addr *helpdesk.IntakeAddress) bool { return addr != nil && addr.Phishing }

// markReport records the report and returns its analysis job.
func markReport(ctx context.Context, tx *postgres.Tx, ticketID, reporterID, inboundID int64) (river.JobArgs, error) {
	if err := tx.InsertPhishReport(ctx, ticketID, reporterID, &inboundID, "", nil); err != nil {
		return nil, err
	}
	return jobs.PhishAnalyseArgs{TicketID: ticketID}, nil
}
