package automation_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// receiver is a webhook endpoint on loopback that checks signatures and
// answers with the codes it is told to.
type receiver struct {
	mu      sync.Mutex
	secret  []byte
	codes   []int // answers, in order; 200 once they run out
	got     []string
	badSigs int
	block   chan struct{} // when set, requests wait for it
	entered chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if rc.block != nil {
		rc.entered <- struct{}{}
		<-rc.block
	}
	ts, _ := strconv.ParseInt(r.Header.Get(automation.HeaderTimestamp), 10, 64)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get(automation.HeaderSignature) != automation.Sign(rc.secret, ts, body) {
		rc.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.got = append(rc.got, r.Header.Get(automation.HeaderEvent))
	code := http.StatusOK
	if len(rc.codes) > 0 {
		code, rc.codes = rc.codes[0], rc.codes[1:]
	}
	w.WriteHeader(code)
}

func (rc *receiver) received() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// A subscribed receiver gets ticket events signed with its secret; a 500 is
// retried; redelivery sends it again; a day of failures turns the webhook
// off with an admin alert.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.now = time.Now()
	ctx := context.Background()
	rc := &receiver{codes: []int{500}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook, err := b.auto.CreateWebhook(ctx, b.admin, automation.WebhookInput{Name: "itsm", URL: srv.URL,
		Events: []string{helpdesk.TriggerUpdated}})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = []byte(hook.Secret)
	if _, err := b.auto.CreateWebhook(ctx, b.agent, automation.WebhookInput{Name: "x", URL: srv.URL}); helpdesk.ErrorCode(err) != helpdesk.EFORBIDDEN {
		t.Errorf("agent created a webhook: %v", err)
	}
	tk := b.ticket(t, "hooked")
	b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusOpen)})
	b.drainAll(t)
	ds, err := b.auto.Deliveries(ctx, b.admin, hook.ID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries = %+v, %v", ds, err)
	}
	d := ds[0]
	if err := b.auto.Deliver(ctx, d.ID, false); err == nil {
		t.Fatal("a 500 was taken as delivered")
	}
	if err := b.auto.Deliver(ctx, d.ID, false); err != nil {
		t.Fatalf("retry: %v", err)
	}
	ds, _ = b.auto.Deliveries(ctx, b.admin, hook.ID)
	if ds[0].Status != "delivered" || ds[0].Attempts != 2 || ds[0].ResponseCode == nil || *ds[0].ResponseCode != 200 {
		t.Errorf("after the retry: %+v", ds[0])
	}
	if rc.badSigs != 0 || rc.received() != 2 {
		t.Errorf("receiver: %d good, %d bad signatures", rc.received(), rc.badSigs)
	}
	if err := b.auto.Redeliver(ctx, b.admin, d.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.auto.Deliver(ctx, d.ID, false); err != nil {
		t.Fatal(err)
	}
	if rc.received() != 3 {
		t.Errorf("redelivery: receiver got %d", rc.received())
	}

	// A day of failures.
	rc.mu.Lock()
	rc.codes = []int{503, 503}
	rc.mu.Unlock()
	b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
	b.drainAll(t)
	ds, _ = b.auto.Deliveries(ctx, b.admin, hook.ID)
	if err := b.auto.Deliver(ctx, ds[0].ID, false); err == nil {
		t.Fatal("503 delivered")
	}
	b.now = time.Now().Add(automation.DisableAfter + time.Hour)
	if err := b.auto.Deliver(ctx, ds[0].ID, false); err != nil {
		t.Fatalf("the attempt that disables returns no error to retry: %v", err)
	}
	hooks, _ := b.auto.Webhooks(ctx, b.admin)
	if hooks[0].Active || hooks[0].DisabledReason == "" {
		t.Errorf("after a day of failures: %+v", hooks[0])
	}
	if n := b.count(t, `SELECT count(*) FROM audit_log WHERE action = 'disabled_failing'`); n != 1 {
		t.Errorf("%d admin alerts", n)
	}
}

// A receiver that hangs delays no ticket change: deliveries run in their
// own jobs, outside the change's transaction.
func TestSlowReceiverDoesNotBlockChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.now = time.Now()
	ctx := context.Background()
	rc := &receiver{block: make(chan struct{}), entered: make(chan struct{}, 4)}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer close(rc.block)
	hook, err := b.auto.CreateWebhook(ctx, b.admin, automation.WebhookInput{Name: "slow", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = []byte(hook.Secret)
	tk := b.ticket(t, "slow hook")
	b.set(t, tk.Number, ticket.Changes{Priority: priority(helpdesk.P2)})
	b.drainAll(t)
	ds, _ := b.auto.Deliveries(ctx, b.admin, hook.ID)
	if len(ds) == 0 {
		t.Fatal("no delivery queued")
	}
	done := make(chan error, 1)
	go func() { done <- b.auto.Deliver(ctx, ds[0].ID, false) }()
	<-rc.entered // the receiver holds the delivery now
	// Changes go on while it hangs.
	b.set(t, tk.Number, ticket.Changes{Priority: priority(helpdesk.P1)})
	b.drainAll(t)
	if got := b.get(t, tk.Number).Priority; got != helpdesk.P1 {
		t.Errorf("priority = %s", got)
	}
	rc.block <- struct{}{}
	if err := <-done; err != nil {
		t.Errorf("slow delivery: %v", err)
	}
}

// A rule's webhook action calls its URL signed with the rule key.
func TestRuleWebhookAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.auto.Secret = []byte("test secret key")
	ctx := context.Background()
	rc := &receiver{secret: []byte(b.auto.RuleWebhookSecret())}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	tk := b.ticket(t, "call out")
	b.set(t, tk.Number, ticket.Changes{Status: status(helpdesk.StatusPending)})
	rule, err := b.auto.Create(ctx, b.admin, automation.RuleInput{Name: "tell ITSM", Trigger: helpdesk.TriggerSchedule, Every: "1h",
		Condition: `ticket.status == "pending"`, Actions: []helpdesk.RuleAction{{Type: "webhook", URL: srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := b.auto.RunNow(ctx, b.admin, rule.ID, 1)
	if err != nil || len(run.Results) != 1 {
		t.Fatalf("run = %+v, %v", run, err)
	}
	var id int64
	if err := b.db.RawPool().QueryRow(ctx, `SELECT id FROM webhook_deliveries WHERE run_id = $1`, run.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if run.Results[0].Status != "pending" || run.Results[0].DeliveryID != id {
		t.Errorf("result before delivery = %+v", run.Results[0])
	}
	if err := b.auto.Deliver(ctx, id, false); err != nil || rc.received() != 1 || rc.badSigs != 0 {
		t.Errorf("deliver: %v, received %d, bad signatures %d", err, rc.received(), rc.badSigs)
	}
	// The run shows the receiver's answer.
	after, err := b.auto.Run(ctx, b.admin, run.ID)
	if err != nil || len(after.Results) != 1 {
		t.Fatalf("run after delivery = %+v, %v", after, err)
	}
	if r := after.Results[0]; r.Status != "delivered" || r.ResponseCode/100 != 2 {
		t.Errorf("result after delivery = %+v", r)
	}
}
