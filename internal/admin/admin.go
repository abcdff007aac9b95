// Package admin is the admin console's service layer: people, agent
// profiles, teams, categories, priorities and SLA targets, mail routing and
// the audit log. Every method checks the actor's rights on the server, validates
// the whole input before writing, and writes the change and its audit_log row
// in one transaction, so nothing is ever half-saved or unaudited.
//
// Rights: admins may do everything. Leads may edit the schedule, skills,
// capacity, languages and time off of members of the teams they lead, and
// those teams' on-call rotas; everything else is admin-only. Anything a
// caller may not do answers ENOTFOUND, so URLs reveal nothing.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Service is the admin console's business logic. Build it with New.
type Service struct {
	db *postgres.DB
	// jobs enqueues follow-up work (mail retries, rebalancing) in the same
	// transaction.
	jobs *postgres.JobClient
	// secret is the server key; IMAP passwords are sealed under it.
	secret []byte
	opts   Options
}

// Options are what the admin service can do without.
type Options struct {
	// DiscoverSSO checks that an issuer's discovery document loads (SSO
	// settings); nil skips the check.
	DiscoverSSO func(ctx context.Context, issuer string) error
	// Now is the clock; nil means time.Now. Tests pin it.
	Now func() time.Time
	// TrustDefaults are the environment's sender-trust values, shown and
	// in force until an admin saves the Sender trust form.
	TrustDefaults helpdesk.MailTrustSettings
	// MailTrustChanged is called after the sender-trust settings are saved
	// (intake reloads them at once); nil does nothing.
	MailTrustChanged func()
}

// New builds the service. The database, the job client and the server
// secret are required: without a job client a deactivation would silently
// leave the person's tickets where they are until the next sweep.
func New(db *postgres.DB, jobs *postgres.JobClient, secret []byte, opts Options) (*Service, error) {
	switch {
	case db == nil:
		return nil, errors.New("admin: no database")
	case jobs == nil:
		return nil, errors.New("admin: no job client")
	case len(secret) == 0:
		return nil, errors.New("admin: no secret key")
	}
	return &Service{db: db, jobs: jobs, secret: secret, opts: opts}, nil
}

func (s *Service) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// notFound is what every refused request gets, so a lead probing another
// team's URLs learns nothing.
func notFound() error { return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.") }

// IsAdmin reports whether u has the admin role.
func IsAdmin(u *helpdesk.User) bool { return u != nil && u.Role == helpdesk.RoleAdmin }

// IsLead reports whether u may use the console at all (leads and admins).
func IsLead(u *helpdesk.User) bool {
	return u != nil && u.Active && (u.Role == helpdesk.RoleLead || u.Role == helpdesk.RoleAdmin)
}

func requireAdmin(u *helpdesk.User) error {
	if !IsAdmin(u) {
		return notFound()
	}
	return nil
}

// querier is what the rights checks need; the pool and a transaction both
// provide it.
type querier interface {
	LedTeamIDs(ctx context.Context, userID int64) ([]int64, error)
	UserTeamIDs(ctx context.Context, userID int64) ([]int64, error)
}

// LedTeams returns the ids of the teams actor leads; nil for admins, who
// are not limited.
func (s *Service) LedTeams(ctx context.Context, actor *helpdesk.User) ([]int64, error) {
	if IsAdmin(actor) {
		return nil, nil
	}
	if !IsLead(actor) {
		return nil, notFound()
	}
	return s.db.LedTeamIDs(ctx, actor.ID)
}

// canManageTeam reports whether actor may edit team's rota (admins, and
// leads of that team).
func canManageTeam(ctx context.Context, q querier, actor *helpdesk.User, teamID int64) error {
	if IsAdmin(actor) {
		return nil
	}
	if !IsLead(actor) {
		return notFound()
	}
	led, err := q.LedTeamIDs(ctx, actor.ID)
	if err != nil {
		return err
	}
	if !slices.Contains(led, teamID) {
		return notFound()
	}
	return nil
}

// canManageAgent reports whether actor may edit userID's schedule and skills
// (admins, and leads of one of the user's teams).
func canManageAgent(ctx context.Context, q querier, actor *helpdesk.User, userID int64) error {
	if IsAdmin(actor) {
		return nil
	}
	if !IsLead(actor) {
		return notFound()
	}
	led, err := q.LedTeamIDs(ctx, actor.ID)
	if err != nil {
		return err
	}
	teams, err := q.UserTeamIDs(ctx, userID)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if slices.Contains(led, t) {
			return nil
		}
	}
	return notFound()
}

// audit writes one audit_log row in tx; before/after are marshalled to JSON
// (nil stays NULL).
func audit(ctx context.Context, tx *postgres.Tx, actor *helpdesk.User, objType string, objID any, action string, before, after any) error {
	var actorID *int64
	if actor != nil {
		actorID = &actor.ID
	}
	return tx.Audit(ctx, actorID, objType, idString(objID), action, before, after)
}

func idString(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// rebalance asks triage to look at userID's open tickets now, in tx, so a
// deactivation or a schedule change moves them at once instead of at the
// next periodic sweep.
func (s *Service) rebalance(ctx context.Context, tx *postgres.Tx, userID int64) error {
	_, err := s.jobs.InsertTx(ctx, tx, jobs.RebalanceArgs{AgentID: userID}, nil)
	return err
}
