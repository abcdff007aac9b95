package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Service runs ChatOps: commands, linking, team channels and delivery.
type Service struct {
	DB      *postgres.DB
	Tickets *ticket.Service
	Jobs    *postgres.JobClient
	// BaseURL is where people open tickets and link pages
	// (SWITCHBOARD_BASE_URL).
	BaseURL string
	// Secret is the server key; connector secrets are sealed under it.
	Secret []byte
	// Env holds each connector's settings from the environment; settings
	// saved in the admin console override them field by field.
	Env map[string]helpdesk.ChatConnectorSettings
	Log *slog.Logger
	Now func() time.Time
	// DecideApproval records an approver's Approve or Decline button press
	// (automation.Approvals.DecideInChat); nil: approval buttons answer
	// that they are out of date.
	DecideApproval func(ctx context.Context, user *helpdesk.User, id int64, approve bool, via string) (string, error)

	connectors map[string]Connector
}

// LinkTTL is how long a one-time link stays valid.
const LinkTTL = 30 * time.Minute

// sealPurpose binds sealed connector secrets to this use.
const sealPurpose = "chat-connector"

// Register adds a connector; the app registers each one it builds.
func (s *Service) Register(c Connector) {
	if s.connectors == nil {
		s.connectors = map[string]Connector{}
	}
	s.connectors[c.Name()] = c
}

// Connector returns a registered connector, or nil.
func (s *Service) Connector(name string) Connector { return s.connectors[name] }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Settings returns a connector's effective settings: the admin console's,
// field by field over the environment's.
func (s *Service) Settings(ctx context.Context, name string) (helpdesk.ChatConnectorSettings, error) {
	out := s.Env[name]
	out.Name = name
	row, err := s.DB.ChatConnector(ctx, name)
	if postgres.IsNotFound(err) {
		return out, nil
	} else if err != nil {
		return out, fmt.Errorf("read %s settings: %w", name, err)
	}
	out.UpdatedAt = row.UpdatedAt
	if row.APIURL != "" {
		out.APIURL = row.APIURL
	}
	if row.BotUser != "" {
		out.BotUser = row.BotUser
	}
	if rooms := SplitRooms(row.Rooms); len(rooms) > 0 {
		out.Rooms = rooms
	}
	if len(row.SealedSecret) > 0 {
		if out.Secret, err = auth.Open(s.Secret, sealPurpose, row.SealedSecret); err != nil {
			return out, err
		}
	}
	if len(row.SealedToken) > 0 {
		if out.Token, err = auth.Open(s.Secret, sealPurpose, row.SealedToken); err != nil {
			return out, err
		}
	}
	if len(row.SealedHook) > 0 {
		if out.HookToken, err = auth.Open(s.Secret, sealPurpose, row.SealedHook); err != nil {
			return out, err
		}
	}
	return out, nil
}

// SaveSettings stores a connector's settings from the admin console; blank
// secrets keep the stored ones. Admins only.
func (s *Service) SaveSettings(ctx context.Context, actor *helpdesk.User, in helpdesk.ChatConnectorSettings) error {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if s.connectors[in.Name] == nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Unknown chat connector %q.", in.Name)
	}
	in.APIURL = strings.TrimSpace(in.APIURL)
	if in.APIURL != "" && !strings.HasPrefix(in.APIURL, "https://") && !strings.HasPrefix(in.APIURL, "http://") {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Check the URL.",
			Fields: []helpdesk.FieldError{{Field: "api_url", Message: "Enter an http:// or https:// URL."}}}
	}
	in.BotUser = strings.TrimSpace(in.BotUser)
	if in.BotUser != "" && (!strings.HasPrefix(in.BotUser, "@") || !strings.Contains(in.BotUser, ":")) {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Check the bot user.",
			Fields: []helpdesk.FieldError{{Field: "bot_user", Message: "Enter a Matrix user id like @it-bot:example.org."}}}
	}
	for _, r := range in.Rooms {
		if !strings.HasPrefix(r, "!") && !strings.HasPrefix(r, "#") {
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Check the rooms.",
				Fields: []helpdesk.FieldError{{Field: "rooms", Message: "Enter room ids (!abc:example.org) or aliases (#it:example.org), one a line."}}}
		}
	}
	row := postgres.ChatConnectorRow{Name: in.Name, APIURL: in.APIURL, BotUser: in.BotUser, Rooms: strings.Join(in.Rooms, "\n")}
	var err error
	if v := strings.TrimSpace(in.Secret); v != "" {
		if row.SealedSecret, err = auth.Seal(s.Secret, sealPurpose, v); err != nil {
			return err
		}
	}
	if v := strings.TrimSpace(in.Token); v != "" {
		if row.SealedToken, err = auth.Seal(s.Secret, sealPurpose, v); err != nil {
			return err
		}
	}
	if v := strings.TrimSpace(in.HookToken); v != "" {
		if row.SealedHook, err = auth.Seal(s.Secret, sealPurpose, v); err != nil {
			return err
		}
	}
	return s.DB.PutChatConnector(ctx, row)
}

// SplitRooms reads a list of Matrix rooms written one a line, or separated
// by commas or spaces (as in SWITCHBOARD_MATRIX_ROOMS).
func SplitRooms(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
}

// linkHash is what is stored of a one-time link token.
func linkHash(token string) []byte {
	h := sha256.Sum256([]byte("chat-link:" + token))
	return h[:]
}

// OfferLink makes a one-time link for a chat account and returns its URL.
func (s *Service) OfferLink(ctx context.Context, cu helpdesk.ChatUser) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := s.DB.InsertChatLinkToken(ctx, linkHash(token), cu, s.now().Add(LinkTTL)); err != nil {
		return "", fmt.Errorf("offer chat link: %w", err)
	}
	return strings.TrimRight(s.BaseURL, "/") + "/chat/link/" + token, nil
}

// LinkOffer returns the chat account a link is for (the confirmation page
// shows it); ENOTFOUND when the link is used, expired or unknown.
func (s *Service) LinkOffer(ctx context.Context, token string) (*helpdesk.ChatUser, error) {
	cu, err := s.DB.ChatLinkOffer(ctx, linkHash(token))
	if postgres.IsNotFound(err) {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "This link was used already or has expired. Ask the bot for a new one with /it link.")
	}
	return cu, err
}

// ConfirmLink links the chat account of a link to the signed-in user.
func (s *Service) ConfirmLink(ctx context.Context, user *helpdesk.User, token string) (*helpdesk.ChatUser, error) {
	if user == nil {
		return nil, helpdesk.Errorf(helpdesk.EUNAUTH, "Sign in first.")
	}
	cu, err := s.DB.ConsumeChatLinkOffer(ctx, linkHash(token), user.ID)
	if postgres.IsNotFound(err) {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "This link was used already or has expired. Ask the bot for a new one with /it link.")
	}
	if err != nil {
		return nil, fmt.Errorf("confirm chat link: %w", err)
	}
	s.Log.Info("chat account linked", "connector", cu.Connector, "chat_user", cu.ID, "user", user.ID)
	return cu, nil
}

// via says in the audit trail where a change came from.
func via(cu helpdesk.ChatUser) string {
	name := cu.Name
	if name == "" {
		name = cu.ID
	}
	return "via " + Label(cu.Connector) + " by @" + strings.TrimPrefix(name, "@")
}

// ticketURL is the link to a ticket for a viewer of the given kind.
func (s *Service) ticketURL(number int64, staff bool) string {
	base := strings.TrimRight(s.BaseURL, "/")
	if staff {
		return fmt.Sprintf("%s/desk/tickets/%d", base, number)
	}
	return fmt.Sprintf("%s/tickets/%d", base, number)
}

// FirstTime records key and reports whether it was not seen in the last
// ten minutes (connectors refuse replayed requests and ignore retried
// events with it).
func (s *Service) FirstTime(ctx context.Context, key string) (bool, error) {
	return s.DB.ChatSeenOnce(ctx, key)
}

// LinkedUser returns the Switchboard user a chat account is linked to;
// ENOTFOUND when it is not linked.
func (s *Service) LinkedUser(ctx context.Context, cu helpdesk.ChatUser) (*helpdesk.User, error) {
	return s.DB.ChatLinkedUser(ctx, cu)
}
