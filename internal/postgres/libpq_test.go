package postgres_test

import (
	"testing"

	"switchboard/internal/postgres"
)

// TestLibpqConn: pgx's pool settings are dropped and the password comes
// out of the connection string, in both of its forms, for pg_dump's
// environment instead of its command line.
func TestLibpqConn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, conn, password string }{
		{"postgres://sb:s3cret@db:5432/switchboard?sslmode=require&pool_max_conns=20",
			"postgres://sb@db:5432/switchboard?sslmode=require", "s3cret"},
		{"postgresql://sb@db/switchboard?password=inquery", "postgresql://sb@db/switchboard", "inquery"},
		{"postgres://db/switchboard", "postgres://db/switchboard", ""},
		{"host=/run/pg user=sb password='p4ss' dbname=switchboard pool_min_conns=2", "host=/run/pg user=sb dbname=switchboard", "p4ss"},
		{"host=/run/pg dbname=switchboard", "host=/run/pg dbname=switchboard", ""},
	} {
		conn, password := postgres.LibpqConn(c.in)
		if conn != c.conn || password != c.password {
			t.Errorf("LibpqConn(%q) = %q, %q; want %q, %q", c.in, conn, password, c.conn, c.password)
		}
	}
}
