package incident

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident/detect"
	"switchboard/internal/postgres"
)

// cursorKey is the setting holding the id of the last ticket the detector
// read, so a restart or another node carries on where it stopped.
const cursorKey = "incident_detector_cursor"

// history is how far back the detector's baseline reaches.
const history = 28 * 24 * time.Hour

// detState is this node's detector, rebuilt from the database whenever an
// agent's decisions changed, so no state lives only in memory.
type detState struct {
	mu      sync.Mutex
	d       *detect.Detector
	last    int64  // highest ticket id fed
	version string // decisions version it was built for
	vocab   detect.Vocabulary
}

// Scan feeds the tickets filed since the last scan to the detector: their
// entities are indexed, bursts become suspected incidents and tickets like
// an incident's are proposed as its children. It runs as a periodic job on
// one node at a time.
func (svc *Service) Scan(ctx context.Context) (int, error) {
	svc.det.mu.Lock()
	defer svc.det.mu.Unlock()
	set, err := svc.Settings(ctx)
	if err != nil {
		return 0, err
	}
	now := svc.now()
	st, err := svc.DB.LoadDetectorState(ctx, now.Add(-history))
	if err != nil {
		return 0, err
	}
	var cursor int64
	if err := svc.DB.SettingJSON(ctx, cursorKey, &cursor); err != nil {
		return 0, err
	}
	voc := set.vocabulary()
	// A changed vocabulary (an admin's services or offices) rebuilds too:
	// the history's entities must be the new tickets' kind of entities.
	if svc.det.d == nil || st.Version != svc.det.version || cursor != svc.det.last ||
		!slices.Equal(voc.Services, svc.det.vocab.Services) || !slices.Equal(voc.Offices, svc.det.vocab.Offices) {
		if err := svc.rebuild(ctx, set, st, now, cursor); err != nil {
			return 0, err
		}
	}
	n := 0
	for {
		ts, err := svc.DB.DetectorTickets(ctx, svc.det.last, now.Add(-history), 500)
		if err != nil || len(ts) == 0 {
			return n, err
		}
		// What the batch learns is written once at its end (or before a
		// decision that reads or writes proposals), with the cursor.
		p := &postgres.DetectorProgress{CursorKey: cursorKey, Cursor: svc.det.last}
		for _, t := range ts {
			if err := svc.feed(ctx, voc, p, t); err != nil {
				return n, fmt.Errorf("detect ticket %d: %w", t.Number, err)
			}
			svc.det.last, p.Cursor = t.ID, t.ID
			n++
		}
		if err := svc.DB.SaveDetectorProgress(ctx, *p); err != nil {
			return n, err
		}
	}
}

// flush writes what p holds so far (the cursor stays at the last ticket
// fed completely) and empties it.
func (svc *Service) flush(ctx context.Context, p *postgres.DetectorProgress) error {
	if len(p.Tickets) == 0 && len(p.Joined) == 0 {
		return nil
	}
	if err := svc.DB.SaveDetectorProgress(ctx, *p); err != nil {
		return err
	}
	p.Tickets, p.Entities, p.Suspects, p.Joined = nil, nil, nil, nil
	return nil
}

// rebuild replays the history into a fresh detector, then tracks the
// incidents and proposals the database holds.
func (svc *Service) rebuild(ctx context.Context, set Settings, st *postgres.DetectorState, now time.Time, cursor int64) error {
	d := detect.New(detect.Config{Vocabulary: set.vocabulary()})
	var last int64
	for {
		ts, err := svc.DB.DetectorTickets(ctx, last, now.Add(-history), 2000)
		if err != nil {
			return err
		}
		if len(ts) == 0 || last >= cursor {
			break
		}
		for _, t := range ts {
			if t.ID > cursor {
				break
			}
			if eligible(t) {
				d.Add(detect.Ticket{Key: t.ID, Time: t.CreatedAt, Text: t.Text, Category: t.Category})
			}
			last = t.ID
		}
	}
	d.ForgetIncidents() // what the replay proposed is in the database already, decided or not
	for _, p := range st.Dismissed {
		d.Dismiss(p[0], p[1])
	}
	for id, ts := range st.Suspects {
		d.Track(&detect.Incident{Key: -id, Tickets: ts, Last: now})
	}
	for id, ts := range st.Incidents {
		d.Track(&detect.Incident{Key: id, Tickets: ts, Last: now, Closed: st.Closed[id]})
	}
	svc.det.d, svc.det.last, svc.det.version, svc.det.vocab = d, cursor, st.Version, set.vocabulary()
	return nil
}

// eligible: employees' reports feed the detector; alert incidents and
// incidents themselves are what it groups into, not what it groups.
func eligible(t postgres.DetectorTicket) bool {
	return t.Source != helpdesk.SourceAlert && t.Source != helpdesk.SourceDetector && !t.Incident
}

// feed indexes one ticket's entities and gives it to the detector; what
// is written goes into p, which is flushed first when the decision needs
// the database (a new proposal reads the entities stored).
func (svc *Service) feed(ctx context.Context, voc detect.Vocabulary, p *postgres.DetectorProgress, t postgres.DetectorTicket) error {
	base := detect.Extract(t.Text, "", voc)
	if base == nil {
		base = []detect.Entity{} // extracted: none
	}
	ents := detect.WithCategory(base, t.Category)
	hents := make([]helpdesk.Entity, len(ents))
	for i, e := range ents {
		hents[i] = helpdesk.Entity{Kind: e.Kind, Value: e.Value}
	}
	p.Tickets, p.Entities = append(p.Tickets, t.ID), append(p.Entities, hents)
	if !eligible(t) || t.ParentID != nil {
		return nil
	}
	dec := svc.det.d.Add(detect.Ticket{Key: t.ID, Time: t.CreatedAt, Text: t.Text, Category: t.Category, Entities: base})
	join := func(id int64, tickets []int64) {
		for _, k := range tickets {
			p.Suspects, p.Joined = append(p.Suspects, id), append(p.Joined, k)
		}
	}
	switch {
	case dec.Proposed != nil:
		if err := svc.flush(ctx, p); err != nil {
			return err
		}
		in := dec.Proposed
		s := &helpdesk.Suspect{StartedAt: in.Start, Confidence: in.Confidence, Words: in.Words}
		for _, e := range in.Entities {
			s.Entities = append(s.Entities, e.String())
		}
		if s.Words == nil {
			s.Words = []string{}
		}
		if s.Entities == nil {
			s.Entities = []string{}
		}
		alert, err := svc.DB.OpenAlertRelated(ctx, s.Entities, in.Tickets)
		if err != nil {
			return err
		}
		if err := svc.DB.InsertSuspect(ctx, s, 0, alert, in.Tickets); err != nil {
			return err
		}
		in.Key = -s.ID
		svc.log().Info("suspected incident proposed", "suspect", s.ID, "tickets", len(in.Tickets), "words", in.Words)
	case dec.Child != nil && dec.Child.Key < 0:
		join(-dec.Child.Key, dec.Joined)
	case dec.Child != nil && dec.Child.Key > 0:
		// More tickets like an open incident: proposed as its children.
		if err := svc.flush(ctx, p); err != nil {
			return err
		}
		id, err := svc.DB.OpenChildProposal(ctx, dec.Child.Key)
		if err != nil {
			return err
		}
		if id != 0 {
			join(id, dec.Joined)
			return nil
		}
		s := &helpdesk.Suspect{StartedAt: t.CreatedAt, Confidence: 1, Words: slices.Clip(dec.Child.Words), Entities: []string{}}
		if s.Words == nil {
			s.Words = []string{}
		}
		return svc.DB.InsertSuspect(ctx, s, dec.Child.Key, 0, dec.Joined)
	}
	return nil
}
