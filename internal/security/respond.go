package security

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/notify"
	"switchboard/internal/postgres"
)

// mailEvery bounds "was this you?" mails: one per person per hour, however
// many detections a burst of attempts raises.
const mailEvery = time.Hour

// respond carries out the responses to a high-risk detection on u's
// account: a "was this you?" mail with a one-click lock link (always, when
// mail is wired), and what the admins configured: a forced second factor,
// every session ended. It returns what it did, for the evidence, and
// whether the sign-in being checked must not get a session.
func (d *Detector) respond(ctx context.Context, u *helpdesk.User, what []string) ([]string, bool, error) {
	var done []string
	if d.Mail != nil && u.Email != "" {
		// Lock links live in real time (the server checks them against
		// the wall clock), whatever clock detection runs on.
		sent, err := d.DB.LockLinkSince(ctx, u.ID, time.Now().Add(-mailEvery))
		if err != nil {
			return done, false, err
		}
		if !sent {
			expires := time.Now().Add(auth.LockLinkLifetime)
			tok, hash := auth.NewLockToken(d.Key, expires)
			err := d.DB.InTx(ctx, func(tx *postgres.Tx) error {
				if err := tx.InsertLockLink(ctx, hash, u.ID, expires); err != nil {
					return err
				}
				return d.Mail(ctx, tx, notify.WasThisYou{To: *u, Key: fmt.Sprintf("%x", hash[:12]), What: what,
					LockURL: strings.TrimRight(d.BaseURL, "/") + "/security/lock/" + tok, Expires: expires})
			})
			if err != nil {
				return done, false, fmt.Errorf("mail lock link to user %d: %w", u.ID, err)
			}
			done = append(done, "was-this-you mail sent")
		}
	}
	set, err := auth.LoadThreatResponse(ctx, d.DB)
	if err != nil {
		return done, false, err
	}
	if set.ForceSecondFactor {
		newly, err := d.DB.ForceSecondFactor(ctx, u.ID, strings.Join(what, "; "))
		if err != nil {
			return done, false, err
		}
		if newly {
			done = append(done, "second factor required from now on")
		}
	}
	stop := false
	if set.EndSessions {
		n, err := d.DB.EndAllSessions(ctx, u.ID)
		if err != nil {
			return done, false, err
		}
		done = append(done, "all sessions ended ("+strconv.FormatInt(n, 10)+")")
		stop = true
	}
	return done, stop, nil
}
