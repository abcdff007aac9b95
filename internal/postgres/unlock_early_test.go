package postgres_test

import (
	"context"
	"testing"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// A transaction that unlocks early commits without waiting for the WAL
// flush, yet returns only once its commit is on disk; its setting does not
// outlive it on the pooled connection.
func TestInTxUnlockEarlyIsDurableOnReturn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// One connection, so the check after the transaction runs on the
	// connection the transaction used; synchronous commits, as in
	// production (test clusters run with them off).
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t)+" options='-c synchronous_commit=on'", 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	var inside, written string
	err = db.InTxUnlockEarly(ctx, func(tx *postgres.Tx) error {
		if err := tx.RawTx().QueryRow(ctx, "SHOW synchronous_commit").Scan(&inside); err != nil {
			return err
		}
		if _, err := tx.RawTx().Exec(ctx, "CREATE TABLE unlock_early (n int)"); err != nil {
			return err
		}
		// The commit record comes after this position in the WAL.
		return tx.RawTx().QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&written)
	})
	if err != nil {
		t.Fatal(err)
	}
	if inside != "off" {
		t.Errorf("synchronous_commit inside = %q, want off", inside)
	}
	var flushed bool
	var after string
	err = db.RawPool().QueryRow(ctx, `SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn,
	current_setting('synchronous_commit'), to_regclass('unlock_early') IS NOT NULL`, written).
		Scan(&flushed, &after, new(bool))
	if err != nil {
		t.Fatal(err)
	}
	if !flushed {
		t.Error("returned before its commit was flushed to disk")
	}
	if after != "on" {
		t.Errorf("synchronous_commit after = %q, want on (SET LOCAL leaked)", after)
	}
}
