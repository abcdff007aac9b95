package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/chat"
	"switchboard/web"
)

// ChatEndpoints are a connector's inbound HTTP endpoints; each verifies its
// own requests (signatures, tokens), so they sit outside sessions.
type ChatEndpoints struct {
	SlackCommands, SlackEvents, SlackInteractions http.HandlerFunc
	MattermostCommands, MattermostActions         http.HandlerFunc
	// MattermostMessages is its outgoing webhook: thread replies.
	MattermostMessages http.HandlerFunc
}

// chatEndpoint serves a connector endpoint, or 404 when the app has none.
func (s *Server) chatEndpoint(pick func(*ChatEndpoints) http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var h http.HandlerFunc
		if s.ChatIn != nil {
			h = pick(s.ChatIn)
		}
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}

// chatLinkForm is GET /chat/link/{token}: the signed-in person confirms a
// chat account is theirs. Used, expired and unknown links get one 404.
func (s *Server) chatLinkForm(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	cu, err := s.Chat.LinkOffer(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	name := cu.Name
	if name == "" {
		name = cu.ID
	}
	s.render(w, r, http.StatusOK, web.ChatLink(web.ChatLinkPage{Page: s.page(r, "Link your "+chat.Label(cu.Connector)+" account", ""),
		Service: chat.Label(cu.Connector), ChatName: name, Email: u.Email}))
	return nil
}

// chatLink is POST /chat/link/{token}: link the account, once.
func (s *Server) chatLink(w http.ResponseWriter, r *http.Request) error {
	if s.Chat == nil {
		s.notFound(w, r)
		return nil
	}
	cu, err := s.Chat.ConfirmLink(r.Context(), CurrentUser(r.Context()), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	seeOther(w, r, "/profile", "Your "+chat.Label(cu.Connector)+" account is linked. Type /it help there to start.")
	return nil
}
