package chat

import (
	"context"
	"strings"

	"switchboard/internal/helpdesk"
)

// The admin console's side of ChatOps: every method is for admins only and
// answers ENOTFOUND to anyone else, as the console's pages do.

func adminOnly(actor *helpdesk.User) error {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return nil
}

// Connectors lists the registered connectors, Slack first.
func (s *Service) Connectors() []Connector {
	var out []Connector
	for _, n := range []string{"slack", "mattermost", "matrix"} {
		if c := s.connectors[n]; c != nil {
			out = append(out, c)
		}
	}
	return out
}

// TestConnection checks a connector's settings against its chat system.
func (s *Service) TestConnection(ctx context.Context, actor *helpdesk.User, name string) (string, error) {
	if err := adminOnly(actor); err != nil {
		return "", err
	}
	c := s.connectors[name]
	if c == nil {
		return "", helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return c.Test(ctx)
}

// Channels lists the team channels.
func (s *Service) Channels(ctx context.Context, actor *helpdesk.User) ([]helpdesk.ChatChannel, error) {
	if err := adminOnly(actor); err != nil {
		return nil, err
	}
	return s.DB.ChatChannels(ctx, "")
}

// AddChannel makes a chat channel a team channel; private marks it as
// private to that team (it may then show the team's restricted tickets).
func (s *Service) AddChannel(ctx context.Context, actor *helpdesk.User, c helpdesk.ChatChannel) error {
	if err := adminOnly(actor); err != nil {
		return err
	}
	c.Channel = strings.TrimSpace(c.Channel)
	var v helpdesk.Validation
	if s.connectors[c.Connector] == nil {
		v.Add("connector", "Choose a chat.")
	}
	if c.Channel == "" || strings.ContainsAny(c.Channel, " \t#") {
		v.Add("channel", "Enter the channel's id (Slack: C0123ABCD, from the channel's details), without #.")
	}
	if c.TeamID == 0 {
		v.Add("team", "Choose a team.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err := s.DB.AddChatChannel(ctx, c)
	if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Check the channel.",
			Fields: []helpdesk.FieldError{{Field: "channel", Message: "That channel already announces this team's tickets."}}}
	}
	return err
}

// DeleteChannel stops announcing into a team channel.
func (s *Service) DeleteChannel(ctx context.Context, actor *helpdesk.User, id int64) error {
	if err := adminOnly(actor); err != nil {
		return err
	}
	return s.DB.DeleteChatChannel(ctx, id)
}
