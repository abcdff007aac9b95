package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// adminChat is GET /admin/chat (admins only): connectors, team channels and
// the delivery log.
func (s *Server) adminChat(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdminChat(w, r, web.NewForm(nil, nil))
}

func (s *Server) renderAdminChat(w http.ResponseWriter, r *http.Request, form web.Form) error {
	u := CurrentUser(r.Context())
	if u == nil || u.Role != helpdesk.RoleAdmin || s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	ctx := r.Context()
	v := web.AdminChatPage{Page: s.adminPage(r, "Chat"), Form: form}
	base := strings.TrimRight(s.Config.BaseURL, "/")
	for _, c := range s.Chat.Connectors() {
		st, err := s.Chat.Settings(ctx, c.Name())
		if err != nil {
			return err
		}
		f := web.ChatConnectorForm{Name: c.Name(), Label: c.Label(), APIURL: st.APIURL, HasSecret: st.Secret != "", HasToken: st.Token != ""}
		switch c.Name() {
		case "slack":
			f.APIURLLabel, f.SecretLabel, f.TokenLabel = "Web API URL (blank: Slack's)", "Signing secret", "Bot token (xoxb-…)"
			f.Endpoint = base + "/chat/slack/commands, /chat/slack/events, /chat/slack/interactions"
		case "mattermost":
			f.APIURLLabel, f.SecretLabel, f.TokenLabel = "Mattermost URL", "Slash command token", "Bot access token"
			f.Endpoint = base + "/chat/mattermost/commands (slash command), /chat/mattermost/messages (outgoing webhook)"
			f.HookLabel, f.HasHook = "Outgoing webhook token (thread replies)", st.HookToken != ""
		case "matrix":
			f.APIURLLabel, f.TokenLabel = "Homeserver URL", "Bot access token"
			f.Endpoint = "the bot's rooms (commands start with !it)"
			f.Matrix, f.BotUser, f.Rooms = true, st.BotUser, strings.Join(st.Rooms, "\n")
		}
		v.Connectors = append(v.Connectors, f)
		ds, err := s.Chat.Deliveries(ctx, u, c.Name())
		if err != nil {
			return err
		}
		for _, d := range ds {
			v.Deliveries = append(v.Deliveries, web.ChatDeliveryRow{Connector: c.Label(), Time: v.LocalTime(d.CreatedAt),
				Action: d.Action, Channel: d.Channel, Status: d.Status, Attempts: d.Attempts, Error: d.LastError, Key: d.IdemKey})
		}
	}
	chans, err := s.Chat.Channels(ctx, u)
	if err != nil {
		return err
	}
	for _, c := range chans {
		v.Channels = append(v.Channels, web.ChatChannelRow{ID: c.ID, Connector: c.Connector, Channel: c.Channel, Team: c.TeamName, Private: c.Private})
	}
	teams, err := s.Admin.Teams(ctx, u)
	if err != nil {
		return err
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	s.render(w, r, status422(form), web.AdminChat(v))
	return nil
}

// adminSaveChat is POST /admin/chat/{name}: a connector's settings.
func (s *Server) adminSaveChat(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	err := s.Chat.SaveSettings(r.Context(), CurrentUser(r.Context()), helpdesk.ChatConnectorSettings{Name: chi.URLParam(r, "name"),
		APIURL: r.PostFormValue("api_url"), Secret: r.PostFormValue("secret"), Token: r.PostFormValue("token"),
		HookToken: r.PostFormValue("hook_token"), BotUser: r.PostFormValue("bot_user"), Rooms: chat.SplitRooms(r.PostFormValue("rooms"))})
	if isInvalid(err) {
		return s.renderAdminChat(w, r, web.NewForm(url.Values{}, err))
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/chat", "Chat settings saved.")
	return nil
}

// adminTestChat is POST /admin/chat/{name}/test: "Test connection".
func (s *Server) adminTestChat(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	msg, err := s.Chat.TestConnection(r.Context(), CurrentUser(r.Context()), chi.URLParam(r, "name"))
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return err
	}
	if err != nil {
		msg = "The connection failed: " + err.Error()
	}
	seeOther(w, r, "/admin/chat", msg)
	return nil
}

// adminAddChatChannel is POST /admin/chat/channels.
func (s *Server) adminAddChatChannel(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	team, _ := strconv.ParseInt(r.PostFormValue("team"), 10, 64)
	err := s.Chat.AddChannel(r.Context(), CurrentUser(r.Context()), helpdesk.ChatChannel{Connector: r.PostFormValue("connector"),
		Channel: r.PostFormValue("channel"), TeamID: team, Private: r.PostFormValue("private") == "1"})
	if isInvalid(err) {
		return s.renderAdminChat(w, r, web.NewForm(r.PostForm, err))
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/chat", "Team channel added.")
	return nil
}

// adminDeleteChatChannel is POST /admin/chat/channels/{id}/delete.
func (s *Server) adminDeleteChatChannel(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err := s.Chat.DeleteChannel(r.Context(), CurrentUser(r.Context()), id); err != nil {
		return err
	}
	seeOther(w, r, "/admin/chat", "Team channel removed.")
	return nil
}
