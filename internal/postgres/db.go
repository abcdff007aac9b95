// Package postgres is the only package that speaks SQL. Fixed queries are
// sqlc-generated into internal/dbsqlc, where the compiler lets no other
// package reach them; the few dynamic ones (queue filters, reports, River's
// job table, the bulk loader) are written by hand with whitelisted columns.
// Its store methods on DB and Tx, grouped by aggregate (tickets, events,
// sla, roster, triage, users, admin's people/teams/schedule/categories/mail
// routing, ...), take and return helpdesk types and map PostgreSQL errors
// to helpdesk codes once, here. DB and Tx expose no way to run SQL; the
// RawPool/RawTx accessors exist for infrastructure and tests, and
// TestOnlyPostgresSpeaksSQL fails when other code calls them or imports pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// DB wraps the connection pool. Other packages only call its store
// methods: it offers no way to run SQL of their own.
type DB struct {
	pool  *pgxpool.Pool
	ann   announcer  // live-update notifications sent after commit
	names queueNames // team and assignee names for queue pages (queue_names.go)
}

// NewDB wraps a pool that is already open (tests that trace or fail
// queries build their own).
func NewDB(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// RawPool is the pool under db, for the infrastructure that sets databases
// up and measures them (pglocal, pgtest, apptest, bench) and for tests that
// check rows directly. TestOnlyPostgresSpeaksSQL fails when any other
// non-test code calls it: everything else goes through store methods.
func (db *DB) RawPool() *pgxpool.Pool { return db.pool }

// RawTx is the transaction under tx, for tests only (see RawPool).
func (tx *Tx) RawTx() pgx.Tx { return tx.tx }

// Open connects a pool to conn and checks that the server answers.
func Open(ctx context.Context, conn string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.pool.Close() }

// Q returns the generated queries on the pool.
func (db *DB) q() *dbsqlc.Queries { return dbsqlc.New(db.pool) }

// Tx is a transaction. Other packages only pass it to store methods (and
// to JobClient.InsertTx): it offers no way to run SQL of their own.
type Tx struct {
	tx    pgx.Tx
	q     *dbsqlc.Queries
	after *afterCommit // shared with its savepoints
}

func newTx(t pgx.Tx) *Tx { return &Tx{tx: t, q: dbsqlc.New(t), after: &afterCommit{}} }

// InTx runs fn in a transaction: committed when fn returns nil, rolled back
// on an error or a panic, so nothing is ever half-written.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		return mapError(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = ptx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	tx := newTx(ptx)
	if err = fn(tx); err != nil {
		return mapError(err)
	}
	if err = ptx.Commit(ctx); err != nil {
		return mapError(err)
	}
	if len(tx.after.numbers) > 0 {
		db.announce(tx.after.numbers)
	}
	return nil
}

// mapError turns PostgreSQL errors into helpdesk errors; the only place that
// knows SQLSTATE codes.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var he *helpdesk.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return &helpdesk.Error{Code: helpdesk.ECONFLICT, Message: "That already exists."}
		case "23503":
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "It refers to something that does not exist."}
		case "23514", "22P02", "22007", "22001":
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "The value is not allowed."}
		}
	}
	return err
}

// IsNotFound reports whether err means "no such row" (pgx.ErrNoRows or an
// ENOTFOUND error).
func IsNotFound(err error) bool { return helpdesk.ErrorCode(mapError(err)) == helpdesk.ENOTFOUND }

// IsForeignKey reports whether err is a violation of the named foreign key.
func IsForeignKey(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName == constraint
}

// WithDatabase is conn (a URL or a key/value string) pointed at database db.
func WithDatabase(conn, db string) string {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String()
	}
	return conn + " dbname=" + db // later keys win in key/value strings
}
