package automation_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// A named group asks each approver once, however often they are named, and
// refuses a list too long to ask, remind and mail one by one.
func TestCategoryApprovalGroupForm(t *testing.T) {
	b := setupApprovals(t)
	ctx := context.Background()
	ca, err := b.ap.ParseCategoryApproval(ctx, b.catID, automation.CategoryApprovalForm{Mode: helpdesk.ApprovalGroup,
		Approvers: b.manager.Email + ", " + strings.ToUpper(b.manager.Email) + "\n" + b.manager.Email})
	if err != nil || len(ca.Approvers) != 1 || ca.Approvers[0] != b.manager.ID {
		t.Fatalf("approvers named three times = %v, %v; want [%d]", ca.Approvers, err, b.manager.ID)
	}
	long := strings.Repeat(b.manager.Email+",", 51)
	_, err = b.ap.ParseCategoryApproval(ctx, b.catID, automation.CategoryApprovalForm{Mode: helpdesk.ApprovalGroup, Approvers: long})
	if helpdesk.ErrorCode(err) != helpdesk.EINVALID || !strings.Contains(helpdesk.ErrorMessage(err)+fieldText(err), "at most 50") {
		t.Fatalf("51 approvers: %v", err)
	}
}

// fieldText is the message next to the approvers field, if any.
func fieldText(err error) string {
	for _, f := range helpdesk.FieldErrors(err) {
		if f.Field == "approvers" {
			return f.Message
		}
	}
	return ""
}
