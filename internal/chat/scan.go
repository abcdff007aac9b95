package chat

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// scanCursor is the settings key of the last event the scan has read.
const scanCursor = "chat_scan_cursor"

// scanKinds are the events that may put a ticket in its team channels:
// triage setting a priority, SLA warnings and breaches, and triage
// escalations (pages to on-call agents and leads' alarms).
var scanKinds = []string{helpdesk.EventCreated, helpdesk.EventTriaged, helpdesk.EventPrioritised,
	helpdesk.EventSLAWarning, helpdesk.EventSLABreached, "notified", helpdesk.EventIncidentJoin}

// Scan announces in team channels what happened since the last scan (the
// ChatScanArgs job). On its first run it starts from now: history is not
// announced.
func (s *Service) Scan(ctx context.Context) error {
	var cur struct {
		After int64 `json:"after"`
		Set   bool  `json:"set"`
	}
	if err := s.DB.SettingJSON(ctx, scanCursor, &cur); err != nil {
		return err
	}
	if !cur.Set {
		last, err := s.DB.LastEventID(ctx)
		if err != nil {
			return err
		}
		cur.After, cur.Set = last, true
		return s.DB.PutSettingJSON(ctx, scanCursor, cur)
	}
	chans, err := s.DB.ChatChannels(ctx, "")
	if err != nil || len(chans) == 0 {
		if err == nil {
			// Nothing to announce into; move on so a new channel does not
			// receive a backlog.
			last, lerr := s.DB.LastEventID(ctx)
			if lerr != nil {
				return lerr
			}
			cur.After = last
			return s.DB.PutSettingJSON(ctx, scanCursor, cur)
		}
		return err
	}
	evs, err := s.DB.ChatEventsSince(ctx, cur.After, scanKinds, 500)
	if err != nil {
		return err
	}
	for _, e := range evs {
		force, why := false, ""
		switch e.Kind {
		case helpdesk.EventSLAWarning:
			force, why = true, "SLA at risk: "+e.Reason
		case helpdesk.EventSLABreached:
			force, why = true, "SLA breached: "+e.Reason
		case "notified":
			force, why = true, "Escalated: "+e.Reason
		}
		if err := s.Announce(ctx, e.TicketID, force, why); err != nil && !postgres.IsNotFound(err) {
			return err
		}
		cur.After = e.ID
	}
	if len(evs) == 0 {
		return nil
	}
	return s.DB.PutSettingJSON(ctx, scanCursor, cur)
}
