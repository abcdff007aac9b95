package postgres

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Team and assignee names on queue pages come from a small cache on each
// node rather than from joins in the page's query. Teams are a handful and
// assignees are staff; the joins that named them (a merge join over users,
// a memoised lookup of teams and the sorts around them) were about a third
// of the page query's PostgreSQL time at 1M tickets. A name missing from the
// cache is read by id, with the other misses of the page, in one query.

// namesTTL bounds how long a node shows a renamed team or person under the
// old name when the rename happened elsewhere (another node, the command
// line); a change made through this node's HTTP handlers drops the cache at
// once (ForgetNames), like the dashboard's filter lists.
const namesTTL = 10 * time.Second

// queueNames holds the cached names. The maps are replaced, never changed,
// so a page reads the ones it took without the lock.
type queueNames struct {
	mu           sync.Mutex
	since        time.Time // when the maps started to fill
	gen          uint64    // bumped by ForgetNames; a read from before one is not kept
	teams, users map[int64]string
}

// ForgetNames drops the cached team and staff names, so a rename made
// through this node shows on its next queue page.
func (db *DB) ForgetNames() {
	n := &db.names
	n.mu.Lock()
	n.teams, n.users = nil, nil
	n.gen++
	n.mu.Unlock()
}

// fillNames sets the team and assignee names of rows.
func (db *DB) fillNames(ctx context.Context, rows []QueueRow) error {
	n := &db.names
	n.mu.Lock()
	if time.Since(n.since) > namesTTL {
		// Expired: a read that took the old maps before this must not
		// store them again under a fresh since (they would live 2×TTL).
		n.teams, n.users, n.since = nil, nil, time.Now()
		n.gen++
	}
	teams, users, gen := n.teams, n.users, n.gen
	n.mu.Unlock()
	var missTeams, missUsers []int64
	for i := range rows {
		t := &rows[i].Ticket
		if t.TeamID != nil {
			if name, ok := teams[*t.TeamID]; ok {
				t.TeamName = name
			} else {
				missTeams = append(missTeams, *t.TeamID)
			}
		}
		if t.AssigneeID != nil {
			if name, ok := users[*t.AssigneeID]; ok {
				t.AssigneeName = name
			} else {
				missUsers = append(missUsers, *t.AssigneeID)
			}
		}
	}
	if len(missTeams) == 0 && len(missUsers) == 0 {
		return nil
	}
	res, err := db.pool.Query(ctx, `SELECT false, id, name FROM teams WHERE id = ANY($1)
UNION ALL
SELECT true, id, name FROM users WHERE id = ANY($2)`, missTeams, missUsers)
	if err != nil {
		return mapError(err)
	}
	teams, users = maps.Clone(teams), maps.Clone(users)
	if teams == nil {
		teams = map[int64]string{}
	}
	if users == nil {
		users = map[int64]string{}
	}
	var isUser bool
	var id int64
	var name string
	for res.Next() {
		if err := res.Scan(&isUser, &id, &name); err != nil {
			res.Close()
			return mapError(err)
		}
		if isUser {
			users[id] = name
		} else {
			teams[id] = name
		}
	}
	if err := res.Err(); err != nil {
		return mapError(err)
	}
	for i := range rows {
		t := &rows[i].Ticket
		if t.TeamID != nil {
			t.TeamName = teams[*t.TeamID]
		}
		if t.AssigneeID != nil {
			t.AssigneeName = users[*t.AssigneeID]
		}
	}
	n.mu.Lock()
	if n.gen == gen {
		if n.teams == nil && n.users == nil {
			n.since = time.Now()
		}
		n.teams, n.users = teams, users
	}
	n.mu.Unlock()
	return nil
}
