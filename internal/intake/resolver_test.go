package intake_test

import (
	"context"
	"sync"
	"testing"

	"switchboard/internal/intake"
	"switchboard/internal/testwait"
)

// TestResolverAsksOncePerName: a burst of mail from one domain asks DNS one
// question per name while it is being answered, and none after (cache).
func TestResolverAsksOncePerName(t *testing.T) {
	t.Parallel()
	s := newDNSServer(t)
	s.set("burst.example", "v=spf1 -all")
	s.mu.Lock()
	s.hold = make(chan struct{})
	s.mu.Unlock()
	r := intake.NewResolver(s.addr)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			txt, err := r.LookupTXT(context.Background(), "burst.example")
			if err == nil && (len(txt) != 1 || txt[0] != "v=spf1 -all") {
				t.Errorf("answer %q", txt)
			}
			errs <- err
		}()
	}
	testwait.Until(t, testwait.Long, "the first question reached the server", func() bool {
		return s.queries("burst.example") >= 1
	})
	close(s.hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.LookupTXT(context.Background(), "burst.example"); err != nil {
		t.Fatal(err)
	}
	if n := s.queries("burst.example"); n != 1 {
		t.Errorf("%d questions for one name, want 1", n)
	}
}
