package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Note is one live event: a ticket changed, someone's presence on a ticket
// changed, or (Resync) the hub may have missed events and clients should
// re-read what they show.
type Note struct {
	Channel string
	Number  int64
	Resync  bool
	// Team is the restricted team the ticket sits in, 0 when any staff
	// member may see it: streams drop notes their viewer may not see.
	Team int64
	// Auth: sessions, users or team memberships changed; streams check
	// that their session still holds and re-read the viewer's teams.
	Auth bool
}

// Hub holds this node's one LISTEN connection and fans what it hears out to
// the SSE streams of this node. Changes made on any node reach every node
// because each node listens to the same PostgreSQL channels.
type Hub struct {
	db  *postgres.DB
	log *slog.Logger
	// Auth hears of changes to sessions, API tokens and their users on
	// auth.AuthChannel, and whether the hub is listening at all (sessions and
	// tokens are cached only then); auth.Caches serves several.
	Auth interface {
		Forget()
		Listening(on bool)
	}
	// Teams tags ticket notes with their restricted team (postgres.DB).
	Teams interface {
		TicketRestrictedTeam(ctx context.Context, number int64) (int64, error)
	}

	mu     sync.Mutex
	subs   map[chan Note]struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// NewHub builds a hub on db; Start begins listening.
func NewHub(db *postgres.DB, log *slog.Logger) *Hub {
	return &Hub{db: db, log: log, subs: map[chan Note]struct{}{}}
}

// Start begins listening in the background; it returns at once.
func (h *Hub) Start(ctx context.Context) error {
	ctx, h.cancel = context.WithCancel(context.WithoutCancel(ctx))
	h.done = make(chan struct{})
	go h.run(ctx)
	return nil
}

// Stop ends listening and waits for the listener to let go of its
// connection.
func (h *Hub) Stop(ctx context.Context) error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	select {
	case <-h.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Subscribe returns a channel of notes and a function to unsubscribe. A
// subscriber that falls behind loses notes but gets a Resync instead, so it
// never shows stale data for long.
func (h *Hub) Subscribe() (<-chan Note, func()) {
	ch := make(chan Note, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// watched reports whether any stream is subscribed.
func (h *Hub) watched() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}

func (h *Hub) publish(n Note) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- n:
		default:
			// Full: drop the oldest note to make room for a resync.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- Note{Resync: true}:
			default:
			}
		}
	}
}

// run keeps a LISTEN connection open, reconnecting with backoff. After a
// reconnect it tells subscribers to resync, since notifications sent while
// it was away are lost.
func (h *Hub) run(ctx context.Context) {
	defer close(h.done)
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := h.listen(ctx, func() {
			if !first {
				h.publish(Note{Resync: true})
			}
			first = false
			backoff = 100 * time.Millisecond
		})
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("live updates: listener lost, reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (h *Hub) listen(ctx context.Context, ready func()) error {
	if h.Auth != nil {
		defer h.Auth.Listening(false)
	}
	channels := []string{ticket.NotifyChannel, ticket.PresenceChannel, auth.AuthChannel}
	return h.db.Listen(ctx, channels, func() {
		if h.Auth != nil {
			h.Auth.Listening(true)
		}
		ready()
	}, func(channel, payload string) {
		if channel == auth.AuthChannel {
			if h.Auth != nil {
				h.Auth.Forget()
			}
			h.publish(Note{Auth: true})
			return
		}
		num, err := strconv.ParseInt(payload, 10, 64)
		if err != nil {
			return
		}
		if !h.watched() {
			// Nobody on this node has a live page open: the note would
			// reach no one, and looking up its team costs a query per
			// ticket change (two per new ticket).
			return
		}
		note := Note{Channel: channel, Number: num}
		if h.Teams != nil {
			// One lookup per note per node, not per stream.
			if note.Team, err = h.Teams.TicketRestrictedTeam(ctx, num); err != nil {
				h.log.Warn("live updates: ticket team", "number", num, "err", err)
				note = Note{Resync: true} // never announce a number unchecked
			}
		}
		h.publish(note)
	})
}

// stream is GET /desk/stream: Server-Sent Events for the dashboard and the
// ticket workspace. Events carry ticket numbers only; the page fetches the
// fragments it needs, and those check access like any other request. A
// ticket in a restricted team the viewer is not in is never announced. The
// stream ends with a "signout" event once its session ends (sign-out,
// expiry, deactivation), checked at every auth change and heartbeat. The
// handler returns when the client goes away or the server shuts down (the
// request context ends).
func (s *Server) stream(w http.ResponseWriter, r *http.Request) error {
	if s.Live == nil {
		return fmt.Errorf("live updates are not wired")
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	notes, unsubscribe := s.Live.Subscribe()
	defer unsubscribe()
	send := func(format string, args ...any) error {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	// retry: how soon the browser reconnects after losing the stream.
	if err := send("retry: 1000\nevent: hello\ndata: ok\n\n"); err != nil {
		return nil
	}
	viewer := newStreamViewer(CurrentUser(r.Context()))
	// still reports whether the session holds; on false the stream says so
	// and ends.
	still := func() bool {
		cur, err := s.Sessions.Check(r.Context(), r)
		if err != nil {
			return true // a database hiccup is not a sign-out; checked again soon
		}
		if cur == nil {
			_ = send("event: signout\ndata: bye\n\n")
			return false
		}
		viewer = newStreamViewer(cur.User)
		return true
	}
	beat := time.NewTicker(streamBeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return nil
		case <-beat.C:
			if !still() {
				return nil
			}
			err = send(": keep-alive\n\n")
		case n := <-notes:
			switch {
			case n.Auth:
				if !still() {
					return nil
				}
			case !n.Resync && !viewer.sees(n.Team):
				// not theirs to know of
			case n.Resync:
				err = send("event: resync\ndata: all\n\n")
			case n.Channel == ticket.PresenceChannel:
				err = send("event: presence\ndata: %d\n\n", n.Number)
			default:
				err = send("event: ticket\ndata: %d\n\n", n.Number)
			}
		}
		if err != nil {
			return nil // the client is gone; nothing to render
		}
	}
}

// streamViewer is what a stream needs to filter notes for its viewer.
type streamViewer struct {
	admin  bool
	member map[int64]bool
}

func newStreamViewer(u *helpdesk.User) streamViewer {
	v := streamViewer{admin: u != nil && u.Role == helpdesk.RoleAdmin, member: map[int64]bool{}}
	if u != nil && u.Scope != nil {
		for _, id := range u.Scope.Member {
			v.member[id] = true
		}
	}
	return v
}

// sees reports whether the viewer may know of a ticket in restricted team
// (0: not restricted).
func (v streamViewer) sees(team int64) bool { return team == 0 || v.admin || v.member[team] }

// streamBeat is how often a stream sends a keep-alive and re-checks its
// session (idle expiry sends no notification).
const streamBeat = 15 * time.Second
