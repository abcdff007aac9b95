package postgres

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/helpdesk"
)

// ErrUnavailable is what callers see when the database cannot be reached;
// it maps to 503 (HTTP) and 451 (SMTP): try again later, nothing was kept.
var ErrUnavailable = &helpdesk.Error{Code: helpdesk.EUNAVAILABLE,
	Message: "The helpdesk cannot reach its database right now. Nothing was saved; please try again in a minute."}

// IsUnavailable reports whether err means the database could not be
// reached or went away (refused or broken connection, server shutting down
// or starting), as opposed to an error in the query itself.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if helpdesk.ErrorCode(err) == helpdesk.EUNAVAILABLE {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions; 57P01-03: admin shutdown,
		// crash shutdown, cannot connect now (starting up).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Health tracks whether the database answers, so that requests fail fast
// with 503 while it does not, and /status can say so. It pings every few
// seconds, every second while the database is down, and at once when a
// request reports a connection error.
type Health struct {
	pool  *pgxpool.Pool
	conn  *pgx.Conn // its own connection: a busy pool must not look like an outage
	log   *slog.Logger
	down  atomic.Bool
	since atomic.Int64 // unix nanoseconds of the last change
	kick  chan struct{}
	done  chan struct{}
	stop  context.CancelFunc
}

// NewHealth returns a watcher for pool; Start runs it.
func NewHealth(pool *pgxpool.Pool, log *slog.Logger) *Health {
	h := &Health{pool: pool, log: log, kick: make(chan struct{}, 1), done: make(chan struct{})}
	h.since.Store(time.Now().UnixNano())
	return h
}

// Down reports whether the last check found the database unreachable.
func (h *Health) Down() bool { return h != nil && h.down.Load() }

// Since is when the database last went down or came back.
func (h *Health) Since() time.Time { return time.Unix(0, h.since.Load()) }

// Report tells the watcher about a failed operation; a connection error
// triggers an immediate check. It never blocks.
func (h *Health) Report(err error) {
	if h == nil || !IsUnavailable(err) {
		return
	}
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// Start checks once and then keeps checking in the background.
func (h *Health) Start(ctx context.Context) error {
	// The watcher lives as long as the node, not as long as the start
	// call's context.
	ctx, h.stop = context.WithCancel(context.WithoutCancel(ctx))
	h.check(ctx)
	go h.run(ctx) //nolint:gosec // G118: deliberately detached, stopped by Stop
	return nil
}

// Stop ends the background checks.
func (h *Health) Stop(context.Context) error {
	if h.stop != nil {
		h.stop()
		<-h.done
	}
	return nil
}

func (h *Health) run(ctx context.Context) {
	defer close(h.done)
	for {
		every := 5 * time.Second
		if h.down.Load() {
			every = time.Second
		}
		select {
		case <-ctx.Done():
			if h.conn != nil {
				_ = h.conn.Close(context.Background())
			}
			return
		case <-h.kick:
		case <-time.After(every):
		}
		h.check(ctx)
	}
}

func (h *Health) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var err error
	if h.conn == nil {
		h.conn, err = pgx.ConnectConfig(cctx, h.pool.Config().ConnConfig.Copy())
	}
	if err == nil {
		err = h.conn.Ping(cctx)
	}
	if err != nil && h.conn != nil {
		_ = h.conn.Close(context.WithoutCancel(ctx))
		h.conn = nil
	}
	if ctx.Err() != nil {
		return
	}
	down := err != nil
	if h.down.Swap(down) != down {
		h.since.Store(time.Now().UnixNano())
		if down {
			h.log.Error("database unreachable: answering 503 (HTTP) and 451 (SMTP) until it returns", "err", err)
		} else {
			h.log.Info("database reachable again: full service resumed")
		}
	}
}

// NewHealth is NewHealth on db's pool.
func (db *DB) NewHealth(log *slog.Logger) *Health { return NewHealth(db.pool, log) }
