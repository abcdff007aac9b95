package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Matrix connector state: where the bot's /sync stopped, the direct rooms
// it shares with people, and the lock that lets one node sync at a time.

// ChatSyncSince returns where a connector's event stream stopped ("" when
// it never synced).
func (db *DB) ChatSyncSince(ctx context.Context, connector string) (string, error) {
	var since string
	err := db.pool.QueryRow(ctx, `SELECT sync_since FROM chat_connectors WHERE name = $1`, connector).Scan(&since)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return since, mapError(err)
}

// SetChatSyncSince records where a connector's event stream stopped. It
// creates the settings row when only the environment configures the
// connector.
func (db *DB) SetChatSyncSince(ctx context.Context, connector, since string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO chat_connectors (name, sync_since) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET sync_since = EXCLUDED.sync_since`, connector, since)
	return mapError(err)
}

// ChatDirectRoom returns the direct room shared with a chat user;
// ENOTFOUND when there is none yet.
func (db *DB) ChatDirectRoom(ctx context.Context, connector, chatUser string) (string, error) {
	var room string
	err := db.pool.QueryRow(ctx, `SELECT room FROM chat_direct_rooms WHERE connector = $1 AND chat_user = $2`,
		connector, chatUser).Scan(&room)
	return room, mapError(err)
}

// ChatDirectRoomUser returns the chat user a direct room is shared with,
// "" when room is not a direct room.
func (db *DB) ChatDirectRoomUser(ctx context.Context, connector, room string) (string, error) {
	var user string
	err := db.pool.QueryRow(ctx, `SELECT chat_user FROM chat_direct_rooms WHERE connector = $1 AND room = $2`,
		connector, room).Scan(&user)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return user, mapError(err)
}

// PutChatDirectRoom records the direct room shared with a chat user (a
// newer one replaces the old).
func (db *DB) PutChatDirectRoom(ctx context.Context, connector, chatUser, room string) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO chat_direct_rooms (connector, chat_user, room) VALUES ($1, $2, $3)
		ON CONFLICT (connector, chat_user) DO UPDATE SET room = EXCLUDED.room, created_at = now()`, connector, chatUser, room)
	return mapError(err)
}

// TryHoldLock takes a session advisory lock on its own connection, so
// that one node among many does a piece of work (the Matrix bot's sync).
// ok is false when another session holds it; release gives it back.
func (db *DB) TryHoldLock(ctx context.Context, key int64) (release func(), ok bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("acquire connection for lock %d: %w", key, err)
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, mapError(err)
	}
	return func() {
		// A failed unlock leaves the lock with the session; closing the
		// connection is what frees it then.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
		conn.Release()
	}, true, nil
}

// ForgetChatDirectRoom stops treating room as a direct room: someone else
// joined it, so a restricted team's words must no longer go there.
func (db *DB) ForgetChatDirectRoom(ctx context.Context, connector, room string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM chat_direct_rooms WHERE connector = $1 AND room = $2`, connector, room)
	return mapError(err)
}
