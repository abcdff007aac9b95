package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Factors manages second factors: authenticator apps (TOTP), recovery codes
// and, with Passkeys, WebAuthn credentials; and the per-role requirement.
type Factors struct {
	DB *postgres.DB
	// Secret is the server key: TOTP secrets are sealed and recovery codes
	// hashed under keys derived from it.
	Secret []byte
	// Issuer names Switchboard in authenticator apps.
	Issuer string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (f *Factors) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// totpPeriod and totpOpts are RFC 6238's common profile, which every
// authenticator app understands.
const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPSetup is what the enrolment page shows.
type TOTPSetup struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URI
	QR     string // data: URI of a PNG QR code of URL
}

// SetUpTOTP returns the user's pending authenticator secret, creating one
// when there is none or fresh is set (a new QR code).
func (f *Factors) SetUpTOTP(ctx context.Context, u *helpdesk.User, fresh bool) (TOTPSetup, error) {
	row, err := f.DB.TOTP(ctx, u.ID)
	switch {
	case err == nil && row.Confirmed:
		return TOTPSetup{}, helpdesk.Errorf(helpdesk.ECONFLICT, "An authenticator app is already set up.")
	case err == nil && !fresh:
		secret, err := Open(f.Secret, "totp", row.SecretEnc)
		if err != nil {
			return TOTPSetup{}, err
		}
		return f.setup(u, secret)
	case err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND:
		return TOTPSetup{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: f.issuer(), AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("generate TOTP secret: %w", err)
	}
	sealed, err := Seal(f.Secret, "totp", key.Secret())
	if err != nil {
		return TOTPSetup{}, err
	}
	if err := f.DB.StartTOTP(ctx, u.ID, sealed); err != nil {
		return TOTPSetup{}, err
	}
	return f.setup(u, key.Secret())
}

func (f *Factors) issuer() string {
	if f.Issuer != "" {
		return f.Issuer
	}
	return "Switchboard"
}

func (f *Factors) setup(u *helpdesk.User, secret string) (TOTPSetup, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: f.issuer(), AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: mustBase32(secret)})
	if err != nil {
		return TOTPSetup{}, err
	}
	img, err := key.Image(220, 220)
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("draw QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: secret, URL: key.URL(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmTOTP checks the first code from the app; on success the app is the
// user's factor and the answer is a fresh set of recovery codes, shown once.
func (f *Factors) ConfirmTOTP(ctx context.Context, u *helpdesk.User, code string) (_ []string, err error) {
	defer helpdesk.WrapOp(&err, "confirm authenticator app of user %d", u.ID)
	row, err := f.DB.TOTP(ctx, u.ID)
	if err != nil || row.Confirmed {
		return nil, helpdesk.Errorf(helpdesk.ECONFLICT, "Start the set-up again.")
	}
	secret, err := Open(f.Secret, "totp", row.SecretEnc)
	if err != nil {
		return nil, err
	}
	step, ok := f.matchStep(secret, code)
	if !ok {
		return nil, invalidCode()
	}
	codes, hashes, err := f.newRecoveryCodes(u.ID)
	if err != nil {
		return nil, err
	}
	if err := f.DB.ConfirmTOTP(ctx, u.ID, step, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}

func invalidCode() error {
	return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "That code is not right.",
		Fields: []helpdesk.FieldError{{Field: "code", Message: "That code is not right. Enter the 6-digit code your app shows now, or a recovery code."}}}
}

// matchStep finds the time step (now, or one either side for clock drift)
// whose code is code.
func (f *Factors) matchStep(secret, code string) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	now := f.now()
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / totpPeriod, true
		}
	}
	return 0, false
}

// VerifyCode checks a second-factor code: a current authenticator code
// (each used once) or an unused recovery code (spent by this).
func (f *Factors) VerifyCode(ctx context.Context, userID int64, code string) (err error) {
	defer helpdesk.WrapOp(&err, "verify second-factor code of user %d", userID)
	code = strings.TrimSpace(code)
	if code == "" {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Enter a code.",
			Fields: []helpdesk.FieldError{{Field: "code", Message: "Enter the code from your authenticator app."}}}
	}
	row, err := f.DB.TOTP(ctx, userID)
	if err == nil && row.Confirmed {
		secret, err := Open(f.Secret, "totp", row.SecretEnc)
		if err != nil {
			return err
		}
		if step, ok := f.matchStep(secret, code); ok {
			if fresh, err := f.DB.UseTOTPStep(ctx, userID, step); err != nil {
				return err
			} else if fresh {
				return nil
			}
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "That code was used already.",
				Fields: []helpdesk.FieldError{{Field: "code", Message: "That code was used already; wait for the next one."}}}
		}
	} else if err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		return err
	}
	if ok, err := f.DB.UseRecoveryCode(ctx, userID, f.recoveryHash(userID, code)); err != nil {
		return err
	} else if ok {
		return nil
	}
	return invalidCode()
}

// DisableTOTP removes the authenticator app.
func (f *Factors) DisableTOTP(ctx context.Context, u *helpdesk.User) (err error) {
	defer helpdesk.WrapOp(&err, "disable authenticator app of user %d", u.ID)
	return f.DB.DeleteTOTP(ctx, u.ID)
}

// Status lists what the user has set up.
func (f *Factors) Status(ctx context.Context, userID int64) (helpdesk.SecondFactors, error) {
	return f.DB.SecondFactors(ctx, userID)
}

func mustBase32(s string) []byte {
	b, err := base32NoPad.DecodeString(strings.ToUpper(s))
	if err != nil {
		return nil
	}
	return b
}
