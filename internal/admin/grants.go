package admin

import (
	"context"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Four-eyes admin grants (issue 14, item 5): giving someone the admin role
// takes effect only when a second admin approves it, within the grant's
// lifetime. Who asked cannot approve, nor can the person who would become
// admin. With no second active admin (a one-admin install) the grant takes
// effect at once and the audit entry says why; admins of small teams can
// turn four-eyes off on the access review page. Taking the admin role away
// never waits.

// gateAdmin decides, inside tx, whether actor may make userID an admin at
// once. When a second admin must approve, it files the request (one per
// person; a pending one stands) with its audit entry and returns the role
// to keep meanwhile and pending=true. from is the role before the change.
func (s *Service) gateAdmin(ctx context.Context, tx *postgres.Tx, set auth.PrivilegeSettings, actor *helpdesk.User,
	userID int64, from helpdesk.Role) (helpdesk.Role, bool, error) {
	if set.FourEyesOff {
		return helpdesk.RoleAdmin, false, nil
	}
	others, err := tx.OtherActiveAdmins(ctx, actor.ID, userID)
	if err != nil || others == 0 {
		return helpdesk.RoleAdmin, false, err
	}
	keep := from
	if !keep.IsStaff() {
		keep = helpdesk.RoleAgent // team memberships need a staff role while the grant waits
	}
	expires := s.now().Add(set.GrantLifetime())
	id, err := tx.InsertAdminGrant(ctx, helpdesk.AdminGrant{UserID: userID, RequestedBy: actor.ID, FromRole: from,
		ExpiresAt: expires})
	if err != nil || id == 0 {
		return keep, true, err
	}
	return keep, true, audit(ctx, tx, actor, "user", userID, "admin_grant_requested",
		map[string]any{"role": from}, map[string]any{"role": keep, "requested_role": helpdesk.RoleAdmin, "grant": id,
			"expires_at": expires, "needs": "approval by a second admin"})
}

// soleAdminNote is what the audit keeps when an admin grant did not wait.
func soleAdminNote(set auth.PrivilegeSettings) string {
	if set.FourEyesOff {
		return "four-eyes turned off"
	}
	return "no second active admin to approve"
}

// AccessGrants lists pending admin grants and the last decided ones (admins only).
func (s *Service) AccessGrants(ctx context.Context, actor *helpdesk.User) ([]helpdesk.AdminGrant, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if _, err := s.db.ExpireAdminGrants(ctx, s.now()); err != nil {
		return nil, err
	}
	return s.db.AdminGrants(ctx, 20)
}

// PendingGrant returns the person's grant waiting for approval, nil when none.
func (s *Service) PendingGrant(ctx context.Context, userID int64) (*helpdesk.AdminGrant, error) {
	g, err := s.db.PendingGrantFor(ctx, userID)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !g.ExpiresAt.After(s.now()) {
		return nil, nil
	}
	return &g, nil
}

// DecideGrant approves or rejects a pending admin grant. Only an admin
// other than the one who asked and other than the person concerned may
// approve; any admin may reject. Approval makes the person an admin in
// the same transaction as the audit entry.
func (s *Service) DecideGrant(ctx context.Context, actor *helpdesk.User, id int64, approve bool) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if _, err := s.db.ExpireAdminGrants(ctx, s.now()); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		g, err := tx.LockAdminGrant(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case g.Status != helpdesk.GrantPending:
			return helpdesk.Errorf(helpdesk.EINVALID, "This request was already %s.", g.Status)
		case !g.ExpiresAt.After(s.now()):
			return helpdesk.Errorf(helpdesk.EINVALID, "This request has expired; ask again.")
		case approve && g.RequestedBy == actor.ID:
			return helpdesk.Errorf(helpdesk.EINVALID, "You asked for this grant: a second admin must approve it.")
		case approve && g.UserID == actor.ID:
			return helpdesk.Errorf(helpdesk.EINVALID, "You cannot approve your own admin role.")
		}
		grant := g.ID
		if !approve {
			if err := tx.DecideAdminGrant(ctx, g.ID, helpdesk.GrantRejected, actor.ID); err != nil {
				return err
			}
			return audit(ctx, tx, actor, "user", g.UserID, "admin_grant_rejected",
				map[string]any{"grant": grant, "status": helpdesk.GrantPending},
				map[string]any{"grant": grant, "status": helpdesk.GrantRejected})
		}
		u, err := tx.LockUser(ctx, g.UserID)
		if err != nil {
			return err
		}
		if !u.Active {
			return helpdesk.Errorf(helpdesk.EINVALID, "%s is deactivated; reject the request instead.", u.Name)
		}
		before, err := tx.SetUserRole(ctx, g.UserID, helpdesk.RoleAdmin)
		if err != nil {
			return err
		}
		if err := tx.DecideAdminGrant(ctx, g.ID, helpdesk.GrantApproved, actor.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user", g.UserID, "admin_grant_approved", map[string]any{"role": before},
			map[string]any{"role": helpdesk.RoleAdmin, "grant": grant, "requested_by": g.RequestedBy, "approved_by": actor.ID})
	})
}
