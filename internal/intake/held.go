package intake

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Decide applies an admin's or lead's decision on stored mail that did not
// become a ticket or message: "release" lets a held mail through as it
// claimed to be, "reject" closes it, "ticket" makes any dropped, refused,
// failed or held mail a ticket. Released mail is processed again at once.
func (s *Store) Decide(ctx context.Context, viewer *helpdesk.User, id int64, decision string) error {
	if viewer == nil || !viewer.Active || (viewer.Role != helpdesk.RoleAdmin && viewer.Role != helpdesk.RoleLead) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	if decision == "ticket" && viewer.Role != helpdesk.RoleAdmin {
		// The dropped-mail lists are the admins'; leads review held mail.
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.DecideInbound(ctx, id, viewer.ID, decision); err != nil {
			return err
		}
		if decision == "reject" {
			return nil
		}
		_, err := s.Jobs.InsertTx(ctx, tx.Tx, jobs.ProcessArgs{InboundID: id}, nil)
		return err
	})
}
