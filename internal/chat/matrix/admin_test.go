package matrix_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"maunium.net/go/mautrix"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// Matrix settings saved in the admin console (homeserver, bot user, access
// token sealed like IMAP passwords, rooms) take effect without a restart:
// "Test connection" asks the homeserver who the bot is, and the bot joins
// the rooms saved there.
func TestMatrixAdminSettings(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "deskbot")
	bo := newPerson(t, hs, "bo")
	room, err := bo.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "Desk"})
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t)
	c := e.SignIn(e.User(helpdesk.RoleAdmin))
	page := c.Get("/admin/chat")
	if !page.Has("#matrix-bot_user") || !page.Has("#matrix-rooms") || !page.Has("#matrix-token") {
		t.Fatalf("no Matrix settings on /admin/chat:\n%s", page.Body)
	}
	// A bot user that is not a Matrix id is refused next to the field.
	if res := c.PostForm("/admin/chat/matrix", url.Values{"api_url": {hs.URL}, "bot_user": {"deskbot"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, "@it-bot:example.org") {
		t.Fatalf("bad bot user: %d", res.StatusCode)
	}
	token := bot.cli.AccessToken
	res := c.PostForm("/admin/chat/matrix", url.Values{"api_url": {hs.URL}, "bot_user": {string(bot.cli.UserID)},
		"token": {token}, "rooms": {string(room.RoomID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.Body)
	}
	var sealed []byte
	if err := e.App.DB.RawPool().QueryRow(ctx, `SELECT sealed_token FROM chat_connectors WHERE name = 'matrix'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(token)) {
		t.Fatalf("the access token is not sealed")
	}
	if page := c.Get("/admin/chat"); strings.Contains(page.Body, token) {
		t.Fatalf("/admin/chat shows the access token")
	}
	if res := c.PostForm("/admin/chat/matrix/test", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test connection: %d", res.StatusCode)
	}
	if flash := c.Get("/admin/chat"); !strings.Contains(flash.Body, "Connected as "+string(bot.cli.UserID)) {
		t.Errorf("no 'Connected as %s' after Test connection", bot.cli.UserID)
	}
	// The bot joins the saved room within a sync or two of the settings.
	testwait.UntilNil(t, testwait.Long, "the bot in the saved room", func() error {
		members, err := bo.cli.JoinedMembers(ctx, room.RoomID)
		if err != nil {
			return err
		}
		if _, ok := members.Joined[bot.cli.UserID]; !ok {
			return errors.New("not joined yet")
		}
		return nil
	})
}

// A configured room the bot cannot enter yet (invite-only) is joined as
// soon as someone invites the bot.
func TestMatrixJoinsConfiguredRoomWhenInvited(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "invitedbot")
	di := newPerson(t, hs, "di")
	room, err := di.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "private_chat", Name: "Service desk (private)"})
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_MATRIX_HOMESERVER": hs.URL,
		"SWITCHBOARD_MATRIX_USER":       string(bot.cli.UserID),
		"SWITCHBOARD_MATRIX_TOKEN":      bot.cli.AccessToken,
		"SWITCHBOARD_MATRIX_ROOMS":      string(room.RoomID),
	}})
	testwait.UntilNil(t, testwait.Long, "the bot syncing", func() error {
		since, err := e.App.DB.ChatSyncSince(ctx, "matrix")
		if err != nil || since == "" {
			return fmt.Errorf("no sync yet (%w)", err)
		}
		return nil
	})
	if _, err := di.cli.InviteUser(ctx, room.RoomID, &mautrix.ReqInviteUser{UserID: bot.cli.UserID}); err != nil {
		t.Fatal(err)
	}
	testwait.UntilNil(t, testwait.Long, "the bot in the invite-only room", func() error {
		members, err := di.cli.JoinedMembers(ctx, room.RoomID)
		if err != nil {
			return err
		}
		if _, ok := members.Joined[bot.cli.UserID]; !ok {
			return errors.New("not joined yet")
		}
		return nil
	})
}
