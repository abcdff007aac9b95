package triage_test

import (
	"context"
	"sync"

	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// alerts captures what the runner asks to be mailed.
type alerts struct {
	mu  sync.Mutex
	got []sla.Alert
}

func (a *alerts) hook(_ context.Context, _ *postgres.Tx, al sla.Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, al)
	return nil
}

func (a *alerts) of(kind string) []sla.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []sla.Alert
	for _, x := range a.got {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return out
}
