package postgres_test

import (
	"testing"

	"switchboard/internal/pgtest"
)

// TestMain shares one PostgreSQL among the package's tests.
func TestMain(m *testing.M) { pgtest.Main(m) }
