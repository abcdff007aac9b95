package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// LoadOrg is the organisation a load run files its tickets in: created
// once, and found again by later runs (every write is an upsert).
type LoadOrg struct {
	Teams      []LoadTeam
	Categories []LoadCategory
	// Requesters employee1@RequesterDomain .. employeeN@RequesterDomain.
	Requesters      int
	RequesterDomain string
}

// LoadTeam is a team of a load run and its agents (capacity 12 each).
type LoadTeam struct {
	Slug, Name, TimeZone string
	Restricted           bool
	Agents               []LoadAgent
}

// LoadAgent is an agent of a load team; Lead marks a team lead.
type LoadAgent struct {
	Email, Name string
	Role        helpdesk.Role
	Lead        bool
}

// LoadCategory is a category owned by Teams[Team] when it is created.
type LoadCategory struct {
	Name string
	Team int
}

// LoadedOrg are the ids of a load organisation, in LoadOrg's order.
type LoadedOrg struct {
	TeamIDs      []int64
	TeamAgents   map[int64][]int64 // team id -> agent ids
	CategoryIDs  []int64
	CategoryTeam map[int64]int64 // category id -> its team id as stored
	Requesters   []int64
}

// EnsureLoadOrg creates what is missing of org in one transaction and
// returns the ids of all of it.
func (db *DB) EnsureLoadOrg(ctx context.Context, org LoadOrg) (*LoadedOrg, error) {
	p := &LoadedOrg{TeamAgents: map[int64][]int64{}, CategoryTeam: map[int64]int64{}}
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, t := range org.Teams {
			var id int64
			if err := tx.tx.QueryRow(ctx, `INSERT INTO teams (slug, name, time_zone, restricted) VALUES ($1, $2, $3, $4)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`, t.Slug, t.Name, t.TimeZone, t.Restricted).Scan(&id); err != nil {
				return fmt.Errorf("load team %s: %w", t.Slug, err)
			}
			p.TeamIDs = append(p.TeamIDs, id)
			for _, a := range t.Agents {
				var uid int64
				if err := tx.tx.QueryRow(ctx, `INSERT INTO users (email, name, role, time_zone) VALUES ($1, $2, $3, $4)
ON CONFLICT (lower(email)) DO UPDATE SET name = EXCLUDED.name RETURNING id`, a.Email, a.Name, string(a.Role), t.TimeZone).Scan(&uid); err != nil {
					return fmt.Errorf("load agent %s: %w", a.Email, err)
				}
				if _, err := tx.tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;`, id, uid, a.Lead); err != nil {
					return fmt.Errorf("load agent %s: %w", a.Email, err)
				}
				if _, err := tx.tx.Exec(ctx, `INSERT INTO agent_profiles (user_id, capacity) VALUES ($1, 12) ON CONFLICT DO NOTHING`, uid); err != nil {
					return fmt.Errorf("load agent %s: %w", a.Email, err)
				}
				p.TeamAgents[id] = append(p.TeamAgents[id], uid)
			}
		}
		for _, c := range org.Categories {
			team := p.TeamIDs[c.Team]
			var id int64
			if err := tx.tx.QueryRow(ctx, `INSERT INTO categories (name, team_id) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id, team_id`, c.Name, team).Scan(&id, &team); err != nil {
				return fmt.Errorf("load category %s: %w", c.Name, err)
			}
			p.CategoryIDs = append(p.CategoryIDs, id)
			p.CategoryTeam[id] = team
		}
		if _, err := tx.tx.Exec(ctx, `INSERT INTO users (email, name, role)
SELECT 'employee' || g || '@' || $2::text, 'Employee ' || g, 'requester' FROM generate_series(1, $1::int) g
ON CONFLICT (lower(email)) DO NOTHING`, org.Requesters, org.RequesterDomain); err != nil {
			return fmt.Errorf("load requesters: %w", err)
		}
		rows, err := tx.tx.Query(ctx, `SELECT id FROM users WHERE email LIKE 'employee%@' || $1::text ORDER BY id`, org.RequesterDomain)
		if err != nil {
			return fmt.Errorf("read requesters: %w", err)
		}
		p.Requesters, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return p, err
}
