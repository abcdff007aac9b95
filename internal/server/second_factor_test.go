package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// totpCode is the authenticator code for the time step after last (or the
// current one, when later): the server accepts one step of drift and never
// the same step twice, so this works however slow the machine is.
func totpCode(t *testing.T, secret string, last int64) (string, int64) {
	t.Helper()
	step := time.Now().Unix() / 30
	if step <= last {
		step = last + 1
	}
	code, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code, step
}

// enrolTOTP sets up an authenticator for the signed-in client and returns
// the secret, the step used and the recovery codes shown.
func enrolTOTP(t *testing.T, c *apptest.Client) (string, int64, []string) {
	t.Helper()
	r := c.Get("/profile/security/totp")
	secret := r.Text("#totp-secret")
	if r.StatusCode != http.StatusOK || secret == "" || !r.Has(`img[src^="data:image/png;base64,"]`) {
		t.Fatalf("set-up page: %d, secret %q, QR code shown: %v", r.StatusCode, secret, r.Has(`img[src^="data:image/png"]`))
	}
	if r := c.PostForm("/profile/security/totp", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusUnprocessableEntity || r.Text("#code-error") == "" {
		t.Fatalf("a wrong first code: %d %q, want 422 with a message at the field", r.StatusCode, r.Text("#code-error"))
	}
	code, step := totpCode(t, secret, 0)
	r = c.PostForm("/profile/security/totp", url.Values{"code": {code}})
	var codes []string
	r.Doc.Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if r.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("confirm: %d with %d recovery codes, want 200 and 10\n%s", r.StatusCode, len(codes), r.Body)
	}
	if got := c.Get("/profile/security").Text("#totp-status"); got != "On." {
		t.Fatalf("security page says %q after set-up", got)
	}
	return secret, step, codes
}

// passwordStep posts the password and expects to be sent to the second step.
func passwordStep(t *testing.T, e *apptest.Env, u *helpdesk.User) *apptest.Client {
	t.Helper()
	c := e.Anonymous()
	r := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {apptest.Password}, "next": {"/profile"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/verify" {
		t.Fatalf("password step: %d -> %q, want 303 to /login/verify", r.StatusCode, r.Header.Get("Location"))
	}
	if !signedOut(c) {
		t.Fatal("a correct password alone signed in a person with a second factor")
	}
	return c
}

func TestTOTPEnrolmentAndSignIn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleAgent)
	secret, step, codes := enrolTOTP(t, e.SignIn(u))

	c := passwordStep(t, e, u)
	if r := c.Get("/login/verify"); r.StatusCode != http.StatusOK || !r.Has(`label[for="code"]`) {
		t.Fatalf("second step page: %d", r.StatusCode)
	}
	if r := c.PostForm("/login/verify", url.Values{"code": {"000000"}}); r.StatusCode != http.StatusUnprocessableEntity || r.Text("#code-error") == "" {
		t.Fatalf("wrong code: %d %q, want 422 with a message", r.StatusCode, r.Text("#code-error"))
	}
	// The code typed at enrolment is spent: replaying it fails.
	used, _ := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if r := c.PostForm("/login/verify", url.Values{"code": {used}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("replayed enrolment code: %d, want 422", r.StatusCode)
	}
	code, _ := totpCode(t, secret, step)
	r := c.PostForm("/login/verify", url.Values{"code": {code}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/profile" {
		t.Fatalf("right code: %d -> %q, want 303 to /profile", r.StatusCode, r.Header.Get("Location"))
	}
	wantSignedIn(t, c, "after the second factor")

	// A recovery code works once.
	c = passwordStep(t, e, u)
	if r := c.PostForm("/login/verify", url.Values{"code": {strings.ToUpper(codes[3])}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery code: %d, want 303", r.StatusCode)
	}
	wantSignedIn(t, c, "after a recovery code")
	c = passwordStep(t, e, u)
	if r := c.PostForm("/login/verify", url.Values{"code": {codes[3]}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("recovery code used twice: %d, want 422", r.StatusCode)
	}
	if got := c.Get("/login/verify").StatusCode; got != http.StatusOK {
		t.Fatalf("flow ended early: %d", got)
	}
}

func TestSecondStepIsBoundToTheBrowserAndLimited(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	secret, step, _ := enrolTOTP(t, e.SignIn(u))
	passwordStep(t, e, u)

	// Another browser without the flow cookie cannot finish it.
	other := e.Anonymous()
	code, _ := totpCode(t, secret, step)
	if r := other.PostForm("/login/verify", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("code without the flow cookie: %d -> %q, want back to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if !signedOut(other) {
		t.Fatal("signed in without the password step")
	}

	// A flow takes a few wrong codes, then asks for the password again.
	c := passwordStep(t, e, u)
	for i := 0; i < 5; i++ {
		if r := c.PostForm("/login/verify", url.Values{"code": {"11111" + string(rune('0'+i))}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i, r.StatusCode)
		}
	}
	r := c.PostForm("/login/verify", url.Values{"code": {code}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" || !signedOut(c) {
		t.Fatalf("sixth try: %d -> %q, want back to /login, signed out", r.StatusCode, r.Header.Get("Location"))
	}
}
