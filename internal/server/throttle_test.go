package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// signInFrom posts the sign-in form as a browser behind the load balancer
// at client address ip (X-Forwarded-For; "" sends none).
func signInFrom(c *apptest.Client, e *apptest.Env, ip, email, password string) *apptest.Response {
	form := url.Values{"email": {email}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return c.Do(req)
}

func behindProxy(t *testing.T) *apptest.Env {
	return apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_TRUSTED_PROXIES": "127.0.0.0/8, ::1"}})
}

// Behind a trusted proxy one person mistyping locks only their own
// account, briefly, and nobody else: not colleagues at other addresses,
// not even a colleague at the same address.
func TestThrottleMistypingBehindProxy(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	clumsy, colleague, neighbour := e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleRequester)
	c := e.Anonymous()
	var last *apptest.Response
	for range 8 {
		last = signInFrom(c, e, "198.51.100.10", clumsy.Email, "wrong password")
	}
	wantStatus(t, last, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Errorf("Retry-After %q after the first lock, want 1–30 s", last.Header.Get("Retry-After"))
	}
	wantStatus(t, signInFrom(e.Anonymous(), e, "198.51.100.11", colleague.Email, apptest.Password), http.StatusSeeOther)
	wantStatus(t, signInFrom(e.Anonymous(), e, "198.51.100.10", neighbour.Email, apptest.Password), http.StatusSeeOther)

	// Retry-After tells the lock's real remaining time, whatever it is.
	if _, err := e.App.DB.RawPool().Exec(context.Background(), `UPDATE login_attempts SET locked_until = now() + interval '7 minutes'
		WHERE key = 'email:' || $1`, clumsy.Email); err != nil {
		t.Fatal(err)
	}
	r := signInFrom(e.Anonymous(), e, "198.51.100.10", clumsy.Email, apptest.Password)
	wantStatus(t, r, http.StatusTooManyRequests)
	if secs, _ := strconv.Atoi(r.Header.Get("Retry-After")); secs < 380 || secs > 420 {
		t.Errorf("Retry-After %q with 7 minutes left", r.Header.Get("Retry-After"))
	}
	if !strings.Contains(r.Text(".alert"), "7 minutes") {
		t.Errorf("message %q", r.Text(".alert"))
	}
}

// A sprayer trying one password on many accounts from one address is
// slowed once it has failed addressFree times, while everyone else signs in.
func TestThrottleSprayer(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	victims := make([]*helpdesk.User, 12)
	for i := range victims {
		victims[i] = e.User(helpdesk.RoleRequester)
	}
	bot := e.Anonymous()
	limited := 0
	var retry string
	for i := range 30 {
		email := fmt.Sprintf("guess%d@example.com", i)
		if i < len(victims) {
			email = victims[i].Email
		}
		r := signInFrom(bot, e, "203.0.113.66", email, "Winter2026!")
		switch r.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limited++
			retry = r.Header.Get("Retry-After")
		default:
			t.Fatalf("attempt %d: %d", i, r.StatusCode)
		}
	}
	if limited != 11 {
		t.Errorf("%d of 30 spray attempts limited, want the 11 after the 19th failure", limited)
	}
	if secs, _ := strconv.Atoi(retry); secs < 1 || secs > 60 {
		t.Errorf("sprayer's Retry-After %q", retry)
	}
	// The address is slowed, not the accounts: each victim signs in from
	// their own address.
	for _, v := range victims[:3] {
		wantStatus(t, signInFrom(e.Anonymous(), e, "198.51.100.20", v.Email, apptest.Password), http.StatusSeeOther)
	}
	// A forged X-Forwarded-For from an untrusted peer changes nothing:
	// without trusted proxies the connection's address counts.
	plain := apptest.New(t)
	u := plain.User(helpdesk.RoleRequester)
	for i := range 20 {
		signInFrom(plain.Anonymous(), plain, fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("nobody%d@example.com", i), "x")
	}
	wantStatus(t, signInFrom(plain.Anonymous(), plain, "192.0.2.200", u.Email, apptest.Password), http.StatusTooManyRequests)
}

// An attacker hammering the owner's account locks it for strangers, but
// the owner's own browser (a known device) with the right password still
// gets in.
func TestThrottleOwnerKnownDevice(t *testing.T) {
	t.Parallel()
	e := behindProxy(t)
	owner := e.User(helpdesk.RoleAdmin)
	laptop := e.Anonymous()
	wantStatus(t, signInFrom(laptop, e, "198.51.100.30", owner.Email, apptest.Password), http.StatusSeeOther)
	wantStatus(t, laptop.PostForm("/logout", nil), http.StatusSeeOther)
	attacker := e.Anonymous()
	for i := range 10 {
		signInFrom(attacker, e, fmt.Sprintf("203.0.113.%d", 100+i), owner.Email, fmt.Sprintf("guess-%d", i))
	}
	wantStatus(t, signInFrom(attacker, e, "203.0.113.99", owner.Email, apptest.Password), http.StatusTooManyRequests)
	wantStatus(t, signInFrom(e.Anonymous(), e, "198.51.100.30", owner.Email, apptest.Password), http.StatusTooManyRequests)
	wantStatus(t, signInFrom(laptop, e, "198.51.100.31", owner.Email, "still wrong"), http.StatusUnauthorized)
	wantStatus(t, signInFrom(laptop, e, "198.51.100.31", owner.Email, apptest.Password), http.StatusSeeOther)
	if r := laptop.Get("/desk"); r.StatusCode != http.StatusOK {
		t.Errorf("owner not signed in: %d", r.StatusCode)
	}
}
