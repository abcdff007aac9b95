package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Matrix maps impact and urgency to a priority.
type Matrix map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority

// Get returns the cell's priority, the ITIL default when unset.
func (m Matrix) Get(i helpdesk.Impact, u helpdesk.Urgency) helpdesk.Priority {
	if p, ok := m[i][u]; ok {
		return p
	}
	return helpdesk.DefaultPriority(i, u)
}

// CellField is the form field of one matrix cell.
func CellField(i helpdesk.Impact, u helpdesk.Urgency) string {
	return "p_" + string(i) + "_" + string(u)
}

// PriorityMatrix reads the impact x urgency matrix (admins only).
func (s *Service) PriorityMatrix(ctx context.Context, actor *helpdesk.User) (Matrix, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	m, err := s.db.PriorityMatrix(ctx)
	return Matrix(m), err
}

func (m Matrix) flat() map[string]string {
	out := map[string]string{}
	for _, i := range helpdesk.Impacts {
		for _, u := range helpdesk.Urgencies {
			out[string(i)+"/"+string(u)] = string(m.Get(i, u))
		}
	}
	return out
}

// UpdateMatrix replaces every cell; cells maps CellField names to "P1".."P4".
func (s *Service) UpdateMatrix(ctx context.Context, actor *helpdesk.User, cells map[string]string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	want := Matrix{}
	for _, i := range helpdesk.Impacts {
		want[i] = map[helpdesk.Urgency]helpdesk.Priority{}
		for _, u := range helpdesk.Urgencies {
			p := helpdesk.Priority(cells[CellField(i, u)])
			if !p.Valid() {
				v.Add(CellField(i, u), "Choose P1 to P4.")
			}
			want[i][u] = p
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.LockPriorityMatrix(ctx); err != nil {
			return err
		}
		before, err := tx.PriorityMatrix(ctx)
		if err != nil {
			return err
		}
		for i, row := range want {
			for u, p := range row {
				if err := tx.SetPriority(ctx, i, u, p); err != nil {
					return err
				}
			}
		}
		return audit(ctx, tx, actor, "priority_matrix", "matrix", "update", Matrix(before).flat(), want.flat())
	})
}

// SLATargets reads the SLA policy of every priority (admins only).
func (s *Service) SLATargets(ctx context.Context, actor *helpdesk.User) ([]helpdesk.SLATarget, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	stored, err := s.db.SLAPolicies(ctx)
	return everyPriority(stored), err
}

// everyPriority lists the targets of every priority in order, zero where
// none is stored.
func everyPriority(stored []helpdesk.SLATarget) []helpdesk.SLATarget {
	byP := map[helpdesk.Priority]helpdesk.SLATarget{}
	for _, t := range stored {
		byP[t.Priority] = t
	}
	var out []helpdesk.SLATarget
	for _, p := range helpdesk.Priorities {
		t := byP[p]
		t.Priority = p
		out = append(out, t)
	}
	return out
}

// FormatMinutes renders business minutes the way ParseMinutes reads them.
func FormatMinutes(m int) string {
	if m <= 0 {
		return ""
	}
	switch h, mm := m/60, m%60; {
	case h == 0:
		return strconv.Itoa(mm) + "m"
	case mm == 0:
		return strconv.Itoa(h) + "h"
	default:
		return fmt.Sprintf("%dh%dm", h, mm)
	}
}

// ParseMinutes reads "90" (minutes), "90m", "4h" or "1h30m".
func ParseMinutes(s string) (int, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d%time.Minute != 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return int(d / time.Minute), nil
}

// maxTarget is a year of minutes; anything longer is a typo.
const maxTarget = 365 * 24 * 60

// UpdateSLATargets replaces the targets of every priority; fields are
// "frt_P1", "res_P1", … in business minutes or like "4h".
func (s *Service) UpdateSLATargets(ctx context.Context, actor *helpdesk.User, fields map[string]string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	var want []helpdesk.SLATarget
	for _, p := range helpdesk.Priorities {
		t := helpdesk.SLATarget{Priority: p}
		for _, f := range []struct {
			name string
			dst  *int
		}{{"frt_" + string(p), &t.FirstResponseMinutes}, {"res_" + string(p), &t.ResolutionMinutes}} {
			n, err := ParseMinutes(fields[f.name])
			switch {
			case err != nil:
				v.Add(f.name, "Enter business minutes (90) or hours (4h, 1h30m).")
			case n <= 0:
				v.Add(f.name, "The target must be more than zero.")
			case n > maxTarget:
				v.Add(f.name, "The target must be under a year.")
			}
			*f.dst = n
		}
		if !v.Has("res_"+string(p)) && !v.Has("frt_"+string(p)) && t.ResolutionMinutes < t.FirstResponseMinutes {
			v.Add("res_"+string(p), "Resolution cannot be due before the first response.")
		}
		want = append(want, t)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.LockSLAPolicies(ctx); err != nil {
			return err
		}
		stored, err := tx.SLAPolicies(ctx)
		if err != nil {
			return err
		}
		before := everyPriority(stored)
		for _, t := range want {
			if err := tx.PutSLATarget(ctx, t); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "sla_policy", "all", "update", before, want)
	})
}
