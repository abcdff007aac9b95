package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// The second sign-in step. A correct password does not sign in a person
// who has a second factor (or whose role needs one): it starts a short
// flow, bound to this browser by a cookie, that a code or passkey finishes.

const (
	factorFlowTTL   = 10 * time.Minute
	maxCodeAttempts = 5 // per flow; after that the password is asked again
)

// flowData is what a sign-in flow remembers between its steps.
type flowData struct {
	Next string `json:"next"`
}

// factorKey is the throttle key of wrong second-factor codes for a user:
// a thief who has the password still gets only a few guesses.
func factorKey(userID int64) string { return "factor:" + strconv.FormatInt(userID, 10) }

// afterPassword decides what a correct password leads to: the second
// step, a forced enrolment, or a session at once.
func (s *Server) afterPassword(w http.ResponseWriter, r *http.Request, u *helpdesk.User, next string) error {
	ctx := r.Context()
	st, err := s.Factors.Status(ctx, u.ID)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(flowData{Next: safeNext(next)})
	if st.Any() {
		if err := s.Flows.Start(ctx, w, auth.FlowSecondFactor, u.ID, data, factorFlowTTL); err != nil {
			return err
		}
		seeOther(w, r, "/login/verify", "")
		return nil
	}
	required, err := s.Factors.RequiredFor(ctx, u)
	if err != nil {
		return err
	}
	if required {
		if err := s.Flows.Start(ctx, w, auth.FlowEnrol, u.ID, data, factorFlowTTL); err != nil {
			return err
		}
		seeOther(w, r, "/login/setup", "")
		return nil
	}
	return s.finishSignIn(w, r, u.ID, safeNext(next), "password")
}

// finishSignIn starts the session and leaves the sign-in pages; method
// says how the person signed in (shown on their devices page).
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, userID int64, next, method string) error {
	if err := s.startSession(w, r, userID, method); err != nil {
		return err
	}
	Logger(r.Context()).Info("signed in", "user_id", userID)
	seeOther(w, r, safeNext(next), "")
	return nil
}

// restartSignIn sends a browser whose flow is gone (expired, used, never
// there) back to the password form.
func restartSignIn(w http.ResponseWriter, r *http.Request) {
	seeOther(w, r, "/login", "Your sign-in expired. Please sign in again.")
}

func (s *Server) secondFactorForm(w http.ResponseWriter, r *http.Request) error {
	flow, err := s.Flows.Load(r.Context(), r, auth.FlowSecondFactor, false)
	if isNotFound(err) {
		restartSignIn(w, r)
		return nil
	} else if err != nil {
		return err
	}
	return s.renderSecondFactor(w, r, flow.UserID, web.NewForm(nil, nil))
}

func (s *Server) renderSecondFactor(w http.ResponseWriter, r *http.Request, userID int64, f web.Form) error {
	st, err := s.Factors.Status(r.Context(), userID)
	if err != nil {
		return err
	}
	s.render(w, r, status422(f), web.SecondFactor(s.page(r, "Confirm it is you", ""),
		web.SecondFactorView{Form: f, TOTP: st.TOTP, Passkeys: len(st.Passkeys) > 0 && s.Passkeys != nil}))
	return nil
}

// secondFactor checks a code from the authenticator app or a recovery code.
func (s *Server) secondFactor(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	flow, err := s.Flows.Load(ctx, r, auth.FlowSecondFactor, true)
	if isNotFound(err) {
		restartSignIn(w, r)
		return nil
	} else if err != nil {
		return err
	}
	if flow.Attempts > maxCodeAttempts {
		if err := s.Flows.End(ctx, w, r, auth.FlowSecondFactor); err != nil {
			return err
		}
		seeOther(w, r, "/login", "Too many wrong codes. Please sign in again.")
		return nil
	}
	key := factorKey(flow.UserID)
	if wait, err := s.Throttle.Wait(ctx, key); err != nil {
		return err
	} else if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		return s.renderSecondFactorStatus(w, r, flow.UserID, auth.TooMany(wait))
	}
	if err := s.Factors.VerifyCode(ctx, flow.UserID, r.PostFormValue("code")); err != nil {
		if !isInvalid(err) {
			return err
		}
		if err := s.Throttle.Fail(ctx, key); err != nil {
			return err
		}
		return s.renderSecondFactor(w, r, flow.UserID, web.NewForm(nil, err))
	}
	flow, err = s.Flows.Take(ctx, w, r, auth.FlowSecondFactor)
	if isNotFound(err) { // finished meanwhile in another tab
		restartSignIn(w, r)
		return nil
	} else if err != nil {
		return err
	}
	_ = s.Throttle.Succeed(ctx, key)
	var d flowData
	_ = json.Unmarshal(flow.Data, &d)
	return s.finishSignIn(w, r, flow.UserID, d.Next, "password+code")
}

func (s *Server) renderSecondFactorStatus(w http.ResponseWriter, r *http.Request, userID int64, err error) error {
	st, serr := s.Factors.Status(r.Context(), userID)
	if serr != nil {
		return serr
	}
	s.render(w, r, StatusOf(err), web.SecondFactor(s.page(r, "Confirm it is you", ""),
		web.SecondFactorView{Form: web.NewForm(nil, err), TOTP: st.TOTP, Passkeys: len(st.Passkeys) > 0 && s.Passkeys != nil}))
	return nil
}

// enrolForm shows the authenticator set-up to someone whose role needs a
// second factor and who has none yet; the sign-in ends when it is done.
func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderEnrol(w, r, web.NewForm(nil, nil))
}

func (s *Server) renderEnrol(w http.ResponseWriter, r *http.Request, f web.Form) error {
	ctx := r.Context()
	flow, err := s.Flows.Load(ctx, r, auth.FlowEnrol, false)
	if isNotFound(err) {
		restartSignIn(w, r)
		return nil
	} else if err != nil {
		return err
	}
	u, err := s.DB.ActiveUser(ctx, flow.UserID)
	if err != nil {
		return err
	}
	setup, err := s.Factors.SetUpTOTP(ctx, u, false)
	if err != nil {
		return err
	}
	s.render(w, r, status422(f), web.TOTPSetup(s.page(r, "Set up an authenticator app", ""), web.TOTPSetupView{Form: f,
		Action: "/login/setup", QR: setup.QR, Secret: setup.Secret, URL: setup.URL, Required: true}))
	return nil
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	flow, err := s.Flows.Load(ctx, r, auth.FlowEnrol, true)
	if isNotFound(err) {
		restartSignIn(w, r)
		return nil
	} else if err != nil {
		return err
	}
	if flow.Attempts > 3*maxCodeAttempts {
		_ = s.Flows.End(ctx, w, r, auth.FlowEnrol)
		seeOther(w, r, "/login", "Too many wrong codes. Please sign in again.")
		return nil
	}
	u, err := s.DB.ActiveUser(ctx, flow.UserID)
	if err != nil {
		return err
	}
	codes, err := s.Factors.ConfirmTOTP(ctx, u, r.PostFormValue("code"))
	if isInvalid(err) {
		return s.renderEnrol(w, r, web.NewForm(nil, err))
	} else if err != nil {
		return err
	}
	if flow, err = s.Flows.Take(ctx, w, r, auth.FlowEnrol); err != nil {
		return err
	}
	var d flowData
	_ = json.Unmarshal(flow.Data, &d)
	if err := s.startSession(w, r, u.ID, "password+code"); err != nil {
		return err
	}
	Logger(ctx).Info("signed in after enrolling a second factor", "user_id", u.ID)
	s.render(w, r, http.StatusOK, web.RecoveryCodes(s.page(r, "Your recovery codes", ""), codes, safeNext(d.Next)))
	return nil
}

func isNotFound(err error) bool { return helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND }
