package devdata

import (
	"context"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Demo approvals: Mara Manager (a requester-role person, as most managers
// are) manages Rita and Paul; the category "Software request" needs the
// manager's approval, and Rita has asked for a licence. Sign in as Mara to
// approve or decline it at /approvals.
const (
	demoManager         = "mara.manager@example.com"
	demoApprovalCateg   = "Software request"
	demoApprovalSubject = "Licence for Adobe Acrobat Pro"
)

func demoApprovals(ctx context.Context, db *postgres.DB, tickets *ticket.Service, users map[string]*helpdesk.User) error {
	m, err := auth.CreateUser(ctx, db, auth.NewUser{Email: demoManager, Name: "Mara Manager", Role: helpdesk.RoleRequester,
		TimeZone: "Europe/Berlin", Password: demoPassword})
	if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		m, err = db.UserByEmail(ctx, demoManager)
	}
	if err != nil {
		return err
	}
	users[demoManager] = m
	var catID int64
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		for _, e := range []string{demoRequester, "paul.martin@example.com"} {
			if _, err := tx.SetManager(ctx, users[e].ID, &m.ID); err != nil {
				return err
			}
		}
		var err error
		if catID, err = tx.SeedCategoryOf(ctx, demoApprovalCateg, "eu-desk", "software"); err != nil {
			return err
		}
		return tx.SetCategoryApproval(ctx, helpdesk.CategoryApproval{CategoryID: catID, Mode: helpdesk.ApprovalManager,
			RemindAfter: 24 * time.Hour, ExpireAfter: 120 * time.Hour})
	})
	if err != nil {
		return err
	}
	// The approval itself is asked for by the approval job once serve runs.
	_, err = tickets.Create(ctx, users[demoRequester], ticket.CreateInput{Subject: demoApprovalSubject,
		Description: "I need Acrobat Pro to sign and edit the supplier contracts (about 20 a month).",
		CategoryID:  &catID, Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium})
	return err
}
