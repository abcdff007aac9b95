package server_test

import (
	"fmt"
	"strings"
	"testing"

	"switchboard/internal/postgres"
)

// TestDeskShowsTags: a tag a rule added shows on the staff workspace, and
// the requester's page never shows the team's labels.
func TestDeskShowsTags(t *testing.T) {
	t.Parallel()
	d := deskSetup(t)
	tk := d.file("Printer jams on floor 2", "again", d.deskTeam)
	path := fmt.Sprintf("/desk/tickets/%d", tk.Number)
	agent := d.e.SignIn(d.agent)
	if agent.Get(path).Has("#tags") {
		t.Fatal("an untagged ticket shows tags")
	}
	if err := d.e.App.DB.InTx(d.ctx, func(tx *postgres.Tx) error {
		_, err := tx.AddTicketTag(d.ctx, tk.ID, "hardware-vip")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := agent.Get(path).Text("#tags"); !strings.Contains(got, "hardware-vip") {
		t.Errorf("workspace tags = %q", got)
	}
	if body := d.e.SignIn(d.requester).Get(fmt.Sprintf("/tickets/%d", tk.Number)).Body; strings.Contains(body, "hardware-vip") {
		t.Error("the requester sees the team's tag")
	}
}
