package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// RebalanceResult counts what one sweep did.
type RebalanceResult struct {
	Absent    int // agents found absent who hold open tickets
	Retriaged int
	Flagged   int
	// HandedOver counts stand-in tickets given back to triage because a
	// skilled owner came on shift.
	HandedOver int
}

// Rebalance finds agents holding open tickets who are no longer at work
// (deactivated, Away or Offline, shift over or on time off, and not on call)
// and applies the pure Rebalance plan: untouched tickets are unassigned and
// triaged again, answered ones stay and are flagged to the lead. agentID 0
// sweeps everyone; a non-zero id checks just that agent (availability
// switched). Every step is a conditional update, so overlapping sweeps on
// several nodes do each thing once.
func (r *Runner) Rebalance(ctx context.Context, agentID int64) (_ RebalanceResult, err error) {
	defer helpdesk.WrapOp(&err, "rebalance agent %d", agentID)
	var res RebalanceResult
	now := r.now()
	ids := []int64{agentID}
	if agentID == 0 {
		var err error
		if ids, err = r.DB.AssignedAgents(ctx); err != nil {
			return res, err
		}
	}
	agents, err := loadAgents(ctx, r.DB, ids)
	if err != nil {
		return res, err
	}
	oncall, err := r.DB.OnCallAt(ctx, now)
	if err != nil {
		return res, err
	}
	onCall := map[int64]bool{}
	for _, o := range oncall {
		onCall[o.UserID] = true
	}
	var present []int64
	for _, id := range ids {
		a := agents[id]
		if a == nil {
			continue
		}
		why, absent := absence(now, a, onCall[id])
		if !absent {
			present = append(present, id)
			continue
		}
		res.Absent++
		rt, fl, err := r.rebalanceAgent(ctx, a, why)
		res.Retriaged += rt
		res.Flagged += fl
		if err != nil {
			return res, err
		}
	}
	if agentID == 0 {
		if err = r.DB.ClearFlags(ctx, present); err != nil {
			return res, err
		}
		res.HandedOver, err = r.HandOver(ctx)
	}
	return res, err
}

// HandOver sends tickets held by stand-in owners (lower skill, another
// region, on-call) back to triage once a home agent with the skill can
// take them, unless work has started: a first response was given (such
// tickets are not listed) or the stand-in is writing a reply now.
func (r *Runner) HandOver(ctx context.Context) (_ int, err error) {
	defer helpdesk.WrapOp(&err, "hand over at shift end")
	now := r.now()
	ins, err := r.DB.StandIns(ctx)
	if err != nil || len(ins) == 0 {
		return 0, err
	}
	st, err := r.static(ctx, now)
	if err != nil {
		return 0, err
	}
	skill := map[int64]string{}
	for _, c := range st.cats {
		if c.RequiredSkill != "" {
			skill[c.ID] = c.RequiredSkill
		}
	}
	n := 0
	for _, s := range ins {
		home := st.world.teams[s.TeamID]
		if home == nil || s.CategoryID == nil || skill[*s.CategoryID] == "" {
			continue
		}
		if !BetterOwner(now, Ticket{ID: s.ID, Priority: s.Priority, RequiredSkill: skill[*s.CategoryID]}, home) {
			continue
		}
		if busy, err := r.DB.AgentReplying(ctx, s.ID, s.AgentID, now); err != nil || busy {
			if err != nil {
				return n, err
			}
			continue
		}
		err := r.DB.InTx(ctx, func(tx *postgres.Tx) error {
			number, err := tx.Unassign(ctx, s.ID, s.AgentID)
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return nil // reassigned, answered or closed meanwhile
			} else if err != nil {
				return err
			}
			n++
			if err := tx.SetTriageWait(ctx, s.ID, "", "", false); err != nil {
				return err
			}
			if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: s.ID, Number: number, Kind: helpdesk.EventAssigned,
				Before: map[string]any{"assignee_id": s.AgentID}, After: map[string]any{"assignee_id": nil, "hand_over": true},
				Reason: "someone with " + skill[*s.CategoryID] + " is on shift now and work has not started: handed over from the stand-in"}); err != nil {
				return err
			}
			if r.Jobs == nil {
				return nil
			}
			_, err = r.Jobs.InsertTx(ctx, tx, jobs.TriageArgs{TicketID: s.ID}, nil)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("hand over ticket %d: %w", s.ID, err)
		}
	}
	return n, nil
}

// absence says why an agent cannot work tickets now. On-call people count
// as present: a P1 paged to them off shift must stay with them.
func absence(now time.Time, a *Agent, onCall bool) (Absence, bool) {
	switch {
	case !a.Active:
		return AbsenceDeactivated, true
	case a.Availability == helpdesk.Away:
		return AbsenceAway, true
	case a.Availability == helpdesk.Offline:
		return AbsenceOffline, true
	case onCall:
		return "", false
	}
	_, off := a.timeOffUntil(now)
	if off || !a.shiftCalendar().IsOpen(now) {
		return AbsenceShiftEnded, true
	}
	return "", false
}

func (r *Runner) rebalanceAgent(ctx context.Context, a *Agent, why Absence) (retriaged, flagged int, err error) {
	rows, err := r.DB.HeldTickets(ctx, a.ID)
	if err != nil {
		return 0, 0, err
	}
	held := make([]HeldTicket, len(rows))
	info := map[int64]helpdesk.HeldTicket{}
	for i, h := range rows {
		held[i] = HeldTicket{ID: h.ID, Priority: h.Priority, HasPublicReply: h.Replied}
		info[h.ID] = h
	}
	plan := Rebalance(why, held)
	for _, id := range plan.Retriage {
		err := r.DB.InTx(ctx, func(tx *postgres.Tx) error {
			number, err := tx.Unassign(ctx, id, a.ID)
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return nil // reassigned or closed meanwhile
			} else if err != nil {
				return err
			}
			retriaged++
			if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: id, Number: number, Kind: helpdesk.EventAssigned,
				Before: map[string]any{"assignee_id": a.ID, "assignee": a.Name},
				After:  map[string]any{"assignee_id": nil, "absence": why}, Reason: plan.Reasons[id]}); err != nil {
				return err
			}
			if r.Jobs == nil {
				return nil
			}
			_, err = r.Jobs.InsertTx(ctx, tx, jobs.TriageArgs{TicketID: id}, nil)
			return err
		})
		if err != nil {
			return retriaged, flagged, err
		}
	}
	for _, id := range plan.Flag {
		err := r.DB.InTx(ctx, func(tx *postgres.Tx) error {
			won, err := tx.FlagTicket(ctx, id, a.ID, string(why), plan.Reasons[id])
			if err != nil || !won {
				return err // already flagged for this absence
			}
			flagged++
			leads, err := tx.TeamLeadEmails(ctx, info[id].TeamID)
			if err != nil {
				return err
			}
			after := map[string]any{"agent_id": a.ID, "agent": a.Name, "absence": why, "notify": leads}
			reason := fmt.Sprintf("%s: %s", a.Name, plan.Reasons[id])
			if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: id, Number: info[id].Number, Kind: EventFlagged,
				After: after, Reason: reason}); err != nil {
				return err
			}
			return r.Alert.Send(ctx, tx, sla.Alert{TicketID: id, Number: info[id].Number, Kind: EventFlagged, To: leads,
				Reason: reason, Key: fmt.Sprintf("%d/%s", a.ID, why)})
		})
		if err != nil {
			return retriaged, flagged, err
		}
	}
	return retriaged, flagged, nil
}

// RetryQueued sends queued tickets whose next eligible shift has begun back
// through triage. The claim and the job insert commit together.
func (r *Runner) RetryQueued(ctx context.Context) (_ int, err error) {
	defer helpdesk.WrapOp(&err, "retry queued triage")
	n := 0
	err = r.DB.InTx(ctx, func(tx *postgres.Tx) error {
		ids, err := tx.ClaimDueRetries(ctx, r.now())
		n = len(ids)
		if err != nil || n == 0 || r.Jobs == nil {
			return err
		}
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: jobs.TriageArgs{TicketID: id}}
		}
		_, err = r.Jobs.InsertManyFastTx(ctx, tx, params)
		return err
	})
	return n, err
}

// untriagedGrace is how old an untriaged ticket must be before the sweep
// enqueues it again: younger ones are still on their normal path.
const untriagedGrace = 2 * time.Minute

// SweepUntriaged enqueues a triage job for every open ticket that was never
// triaged and has no triage job left (its job was discarded, or a crash lost
// it), so no ticket waits for triage forever.
func (r *Runner) SweepUntriaged(ctx context.Context) (_ int, err error) {
	defer helpdesk.WrapOp(&err, "sweep untriaged tickets")
	ids, err := r.DB.UntriagedOrphans(ctx, r.now().Add(-untriagedGrace))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: jobs.TriageArgs{TicketID: id}}
	}
	if _, err := r.Jobs.InsertMany(ctx, params); err != nil {
		return 0, fmt.Errorf("enqueue %d untriaged tickets: %w", len(ids), err)
	}
	if r.Log != nil {
		r.Log.Warn("re-enqueued untriaged tickets", "count", len(ids))
	}
	return len(ids), nil
}
