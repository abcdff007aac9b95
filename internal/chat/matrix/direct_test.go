package matrix_test

import (
	"context"
	"fmt"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"switchboard/internal/apptest"
	"switchboard/internal/testwait"
)

// A room someone opens with the bot as "direct" is treated as theirs (a
// restricted team's replies may go there in full) only while nobody else is
// in it: once its owner invites a third person it becomes a shared room.
func TestMatrixDirectRoomForgottenWhenOthersJoin(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "directbot")
	di := newPerson(t, hs, "dina")
	eve := newPerson(t, hs, "eve")
	shared, err := di.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "IT help"})
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_MATRIX_HOMESERVER": hs.URL,
		"SWITCHBOARD_MATRIX_USER":       string(bot.cli.UserID),
		"SWITCHBOARD_MATRIX_TOKEN":      bot.cli.AccessToken,
		"SWITCHBOARD_MATRIX_ROOMS":      string(shared.RoomID),
	}})
	waitSyncing(t, e, bot, di, shared.RoomID)
	dm, err := di.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "trusted_private_chat", IsDirect: true,
		Invite: []id.UserID{bot.cli.UserID}})
	if err != nil {
		t.Fatal(err)
	}
	directUser := func(want string) func() error {
		return func() error {
			got, err := e.App.DB.ChatDirectRoomUser(ctx, "matrix", string(dm.RoomID))
			if err != nil || got != want {
				return fmt.Errorf("direct room user %q, want %q (%w)", got, want, err)
			}
			return nil
		}
	}
	testwait.UntilNil(t, testwait.Long, "the room recorded as Dina's direct room", directUser(string(di.cli.UserID)))
	if _, err := di.cli.InviteUser(ctx, dm.RoomID, &mautrix.ReqInviteUser{UserID: eve.cli.UserID}); err != nil {
		t.Fatal(err)
	}
	testwait.UntilNil(t, testwait.Long, "the room no longer direct", directUser(""))
}
