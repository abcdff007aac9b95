package automation

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// CategoryApprovalForm is a category's approval setting as typed in the
// admin console: approvers are email addresses (one per line or
// comma-separated), hours are whole numbers.
type CategoryApprovalForm struct {
	Mode        string
	Approvers   string
	RemindHours string
	ExpireHours string
}

// ParseCategoryApproval validates the form for category id and resolves
// the approvers' addresses; errors name the field (approval, approvers,
// approval_remind_hours, approval_expire_hours).
func (s *Approvals) ParseCategoryApproval(ctx context.Context, id int64, f CategoryApprovalForm) (*helpdesk.CategoryApproval, error) {
	ca := &helpdesk.CategoryApproval{CategoryID: id, Mode: f.Mode, Approvers: []int64{}}
	var v helpdesk.Validation
	switch f.Mode {
	case "", helpdesk.ApprovalManager, helpdesk.ApprovalLead, helpdesk.ApprovalGroup:
	default:
		v.Add("approval", "Choose who approves from the list.")
	}
	hours := func(field, val string, def int) time.Duration {
		val = strings.TrimSpace(val)
		if val == "" {
			return time.Duration(def) * time.Hour
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > 24*90 {
			v.Add(field, "A whole number of hours from 1 to 2160 (90 days).")
		}
		return time.Duration(n) * time.Hour
	}
	ca.RemindAfter = hours("approval_remind_hours", f.RemindHours, 24)
	ca.ExpireAfter = hours("approval_expire_hours", f.ExpireHours, 120)
	emails := strings.FieldsFunc(f.Approvers, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' || r == ';' })
	if len(emails) > maxApprovers {
		v.Add("approvers", fmt.Sprintf("Name at most %d approvers; a team lead or manager approval suits larger groups.", maxApprovers))
		emails = nil
	}
	for _, e := range emails {
		u, err := s.DB.UserByEmail(ctx, e)
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND || err == nil && !u.Active {
			v.Add("approvers", fmt.Sprintf("Nobody active has the address %s.", e))
			continue
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ca.Approvers, u.ID) { // named twice: asked once
			ca.Approvers = append(ca.Approvers, u.ID)
		}
	}
	if f.Mode == helpdesk.ApprovalGroup && len(ca.Approvers) == 0 {
		v.Add("approvers", "Name at least one approver (their email addresses).")
	}
	if f.Mode != helpdesk.ApprovalGroup {
		ca.Approvers = []int64{}
	}
	return ca, v.Err()
}

// maxApprovers bounds a named group: each is asked, reminded and mailed.
const maxApprovers = 50

// SaveCategoryApproval stores the setting, audited; the caller checked
// that actor may edit the category (admins, leads of its team).
func (s *Approvals) SaveCategoryApproval(ctx context.Context, actor *helpdesk.User, ca *helpdesk.CategoryApproval) error {
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.CategoryApproval(ctx, ca.CategoryID)
		if err != nil {
			return err
		}
		if err := tx.SetCategoryApproval(ctx, *ca); err != nil {
			return err
		}
		if before.Mode == ca.Mode && fmt.Sprint(before.Approvers) == fmt.Sprint(ca.Approvers) &&
			before.RemindAfter == ca.RemindAfter && before.ExpireAfter == ca.ExpireAfter {
			return nil
		}
		view := func(c *helpdesk.CategoryApproval) map[string]any {
			return map[string]any{"approval": c.Mode, "approvers": c.Approvers, "remind_hours": int(c.RemindAfter.Hours()),
				"expire_hours": int(c.ExpireAfter.Hours())}
		}
		return tx.Audit(ctx, &actor.ID, "category", strconv.FormatInt(ca.CategoryID, 10), "category.approval", view(before), view(ca))
	})
	if err != nil {
		return fmt.Errorf("save approval of category %d: %w", ca.CategoryID, err)
	}
	return nil
}

// CategoryApprovalValues is the stored setting as the form shows it.
func (s *Approvals) CategoryApprovalValues(ctx context.Context, id int64) (CategoryApprovalForm, error) {
	ca, err := s.DB.CategoryApproval(ctx, id)
	if err != nil {
		return CategoryApprovalForm{}, err
	}
	f := CategoryApprovalForm{Mode: ca.Mode, RemindHours: strconv.Itoa(int(ca.RemindAfter.Hours())),
		ExpireHours: strconv.Itoa(int(ca.ExpireAfter.Hours()))}
	var emails []string
	for _, id := range ca.Approvers {
		if u, err := s.DB.User(ctx, id); err == nil {
			emails = append(emails, u.Email)
		}
	}
	f.Approvers = strings.Join(emails, "\n")
	return f, nil
}

// ManagerEmail is the address of a person's manager, "" when none.
func (s *Approvals) ManagerEmail(ctx context.Context, userID int64) (string, error) {
	m, err := s.DB.Manager(ctx, userID)
	if err != nil || m == nil {
		return "", err
	}
	return m.Email, nil
}

// ResolveManager checks a manager's address for person userID and
// returns their id (nil for ""); errors name the field manager.
func (s *Approvals) ResolveManager(ctx context.Context, userID int64, email string) (*int64, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	m, err := s.DB.UserByEmail(ctx, email)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND || err == nil && !m.Active {
		return nil, helpdesk.Invalid("manager", "Nobody active has that address.")
	}
	if err != nil {
		return nil, err
	}
	if m.ID == userID {
		return nil, helpdesk.Invalid("manager", "A person cannot be their own manager.")
	}
	return &m.ID, nil
}

// SetManager sets a person's manager by address ("" clears it), audited.
// The caller checked that actor may edit the person.
func (s *Approvals) SetManager(ctx context.Context, actor *helpdesk.User, userID int64, email string) error {
	to, err := s.ResolveManager(ctx, userID, email)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.SetManager(ctx, userID, to)
		if err != nil || sameID(before, to) {
			return err
		}
		return tx.Audit(ctx, &actor.ID, "user", strconv.FormatInt(userID, 10), "user.manager",
			map[string]any{"manager_id": before}, map[string]any{"manager_id": to, "manager": email})
	})
	if err != nil {
		return fmt.Errorf("set manager of user %d: %w", userID, err)
	}
	return nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
