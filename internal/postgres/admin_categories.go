package postgres

import (
	"context"
	"fmt"
	"math"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// Categories, the priority matrix and SLA targets as the admin console
// edits them.

// CategorySettings lists every category by name with its owning team's
// name; thresholds are rounded to three decimals for display.
func (db *DB) CategorySettings(ctx context.Context) ([]helpdesk.CategorySettings, error) {
	return categoryList(ctx, db.q())
}

func categoryList(ctx context.Context, q *dbsqlc.Queries) ([]helpdesk.CategorySettings, error) {
	rows, err := q.AdminListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", mapError(err))
	}
	out := make([]helpdesk.CategorySettings, 0, len(rows))
	for _, c := range rows {
		out = append(out, helpdesk.CategorySettings{Category: helpdesk.Category{ID: c.ID, Name: c.Name, TeamID: c.TeamID,
			RequiredSkill: deref(c.RequiredSkill), DefaultImpact: helpdesk.Impact(c.DefaultImpact),
			DefaultUrgency: helpdesk.Urgency(c.DefaultUrgency)},
			TeamName: c.TeamName, MinPriority: helpdesk.Priority(deref(c.MinPriority)), Keywords: c.Keywords,
			FollowTheSun: c.FollowTheSun, ConfidenceThreshold: math.Round(float64(c.ConfidenceThreshold)*1000) / 1000})
	}
	return out, nil
}

// LockCategory reads a category (threshold as stored) and locks its row
// until the transaction ends.
func (tx *Tx) LockCategory(ctx context.Context, id int64) (*helpdesk.CategorySettings, error) {
	c, err := tx.q.AdminLockCategory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("lock category %d: %w", id, mapError(err))
	}
	cs := categorySettings(c)
	return &cs, nil
}

// categoryParams is c as the category queries take it: empty skill and
// minimum priority are NULL.
func categoryParams(c helpdesk.CategorySettings) dbsqlc.AdminUpdateCategoryParams {
	p := dbsqlc.AdminUpdateCategoryParams{ID: c.ID, Name: c.Name, TeamID: c.TeamID, DefaultImpact: string(c.DefaultImpact),
		DefaultUrgency: string(c.DefaultUrgency), Keywords: append([]string{}, c.Keywords...), FollowTheSun: c.FollowTheSun,
		ConfidenceThreshold: float32(c.ConfidenceThreshold)}
	if c.RequiredSkill != "" {
		p.RequiredSkill = &c.RequiredSkill
	}
	if c.MinPriority != "" {
		mp := string(c.MinPriority)
		p.MinPriority = &mp
	}
	return p
}

// InsertCategory creates a category; a taken name is ECONFLICT, an unknown
// team EINVALID.
func (tx *Tx) InsertCategory(ctx context.Context, c helpdesk.CategorySettings) (int64, error) {
	p := categoryParams(c)
	id, err := tx.q.AdminInsertCategory(ctx, dbsqlc.AdminInsertCategoryParams{Name: p.Name, TeamID: p.TeamID,
		RequiredSkill: p.RequiredSkill, DefaultImpact: p.DefaultImpact, DefaultUrgency: p.DefaultUrgency,
		MinPriority: p.MinPriority, Keywords: p.Keywords, FollowTheSun: p.FollowTheSun, ConfidenceThreshold: p.ConfidenceThreshold})
	if err != nil {
		return 0, fmt.Errorf("create category %q: %w", c.Name, mapError(err))
	}
	return id, nil
}

// UpdateCategory stores every field of category c.ID; errors as for
// InsertCategory.
func (tx *Tx) UpdateCategory(ctx context.Context, c helpdesk.CategorySettings) error {
	if err := tx.q.AdminUpdateCategory(ctx, categoryParams(c)); err != nil {
		return fmt.Errorf("update category %d: %w", c.ID, mapError(err))
	}
	return nil
}

// PriorityMatrix is DB.PriorityMatrix inside the transaction, after
// LockPriorityMatrix.
func (tx *Tx) PriorityMatrix(ctx context.Context) (map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority, error) {
	cells, err := tx.q.PriorityMatrix(ctx)
	if err != nil {
		return nil, fmt.Errorf("read priority matrix: %w", mapError(err))
	}
	return priorityMatrix(cells), nil
}

// LockPriorityMatrix locks every cell until the transaction ends: two admins
// saving at once apply one after the other, so each audit entry's "before"
// is what it really replaced.
func (tx *Tx) LockPriorityMatrix(ctx context.Context) error {
	if err := tx.q.AdminLockMatrix(ctx); err != nil {
		return fmt.Errorf("lock priority matrix: %w", mapError(err))
	}
	return nil
}

// SetPriority stores one cell of the matrix.
func (tx *Tx) SetPriority(ctx context.Context, i helpdesk.Impact, u helpdesk.Urgency, p helpdesk.Priority) error {
	if err := tx.q.AdminSetPriority(ctx, dbsqlc.AdminSetPriorityParams{Impact: string(i), Urgency: string(u),
		Priority: string(p)}); err != nil {
		return fmt.Errorf("set priority of %s/%s: %w", i, u, mapError(err))
	}
	return nil
}

// SLAPolicies is DB.SLAPolicies inside the transaction, after
// LockSLAPolicies.
func (tx *Tx) SLAPolicies(ctx context.Context) ([]helpdesk.SLATarget, error) {
	rows, err := tx.q.SLAPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("read SLA policies: %w", mapError(err))
	}
	out := make([]helpdesk.SLATarget, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.SLATarget{Priority: helpdesk.Priority(r.Priority),
			FirstResponseMinutes: int(r.FirstResponseMinutes), ResolutionMinutes: int(r.ResolutionMinutes)})
	}
	return out, nil
}

// LockSLAPolicies locks every SLA policy until the transaction ends, as
// LockPriorityMatrix does for the matrix.
func (tx *Tx) LockSLAPolicies(ctx context.Context) error {
	if err := tx.q.AdminLockSLAPolicies(ctx); err != nil {
		return fmt.Errorf("lock SLA policies: %w", mapError(err))
	}
	return nil
}

// PutSLATarget stores one priority's targets.
func (tx *Tx) PutSLATarget(ctx context.Context, t helpdesk.SLATarget) error {
	if err := tx.q.AdminUpsertSLAPolicy(ctx, dbsqlc.AdminUpsertSLAPolicyParams{Priority: string(t.Priority),
		FirstResponseMinutes: int32(t.FirstResponseMinutes),             //nolint:gosec // validated: under a year of minutes
		ResolutionMinutes:    int32(t.ResolutionMinutes)}); err != nil { //nolint:gosec // as above
		return fmt.Errorf("set SLA targets of %s: %w", t.Priority, mapError(err))
	}
	return nil
}
