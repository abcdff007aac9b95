package admin_test

import (
	"testing"

	"switchboard/internal/admin"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// TestNewRequiresItsDependencies: a service without a job client would
// skip the rebalancing a deactivation promises, so building one fails.
func TestNewRequiresItsDependencies(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	jobs, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("test-secret")
	if _, err := admin.New(db, nil, secret, admin.Options{}); err == nil {
		t.Error("New without a job client succeeded")
	}
	if _, err := admin.New(nil, jobs, secret, admin.Options{}); err == nil {
		t.Error("New without a database succeeded")
	}
	if _, err := admin.New(db, jobs, nil, admin.Options{}); err == nil {
		t.Error("New without a secret succeeded")
	}
	if _, err := admin.New(db, jobs, secret, admin.Options{}); err != nil {
		t.Errorf("New with everything: %v", err)
	}
}
