package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// Phishing store: hand-written because the analysis is JSON and the
// campaign grouping needs an advisory lock and array parameters.

// campaignLock serialises campaign grouping across nodes: two reports of a
// new campaign processed at once must not found two campaigns.
const campaignLock = 0x7068697368 // "phish"

// InsertPhishReport marks a new ticket as a phishing report, in the
// transaction that files it. suspect may be nil (found later, from the
// inbound mail).
func (tx *Tx) InsertPhishReport(ctx context.Context, ticketID, reporterID int64, inboundID *int64, how string, suspect []byte) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO phishing_reports (ticket_id, reporter_id, inbound_id, how, suspect)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, ticketID, reporterID, inboundID, how, suspect)
	return mapError(err)
}

// PhishWork is what the analysis of one report starts from.
type PhishWork struct {
	TicketID   int64
	Number     int64
	ReporterID *int64
	Report     []byte // the reporter's mail as received (nil for an upload)
	Suspect    []byte // the suspect, once found
	How        string
	Overruled  bool
	ReportedAt time.Time
	CampaignID *int64
}

// PhishWork loads a report for analysis; ENOTFOUND when it is none.
func (db *DB) PhishWork(ctx context.Context, ticketID int64) (*PhishWork, error) {
	var w PhishWork
	err := db.pool.QueryRow(ctx, `SELECT r.ticket_id, t.number, r.reporter_id, m.raw, r.suspect, r.how,
			r.overruled_by IS NOT NULL, r.reported_at, r.campaign_id
		FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN inbound_mail m ON m.id = r.inbound_id
		WHERE r.ticket_id = $1`, ticketID).
		Scan(&w.TicketID, &w.Number, &w.ReporterID, &w.Report, &w.Suspect, &w.How, &w.Overruled, &w.ReportedAt, &w.CampaignID)
	if err != nil {
		return nil, mapError(err)
	}
	return &w, nil
}

// PhishSenderSeen reports whether mail from domain reached the helpdesk
// before t (reports' own mails aside).
func (db *DB) PhishSenderSeen(ctx context.Context, domain string, before time.Time) (bool, error) {
	var seen bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbound_mail WHERE sender LIKE '%@' || $1 AND received_at < $2)
		OR EXISTS (SELECT 1 FROM phishing_reports WHERE sender LIKE '%@' || $1 AND reported_at < $2)`, domain, before).Scan(&seen)
	return seen, mapError(err)
}

// PhishResult is an analysis to store.
type PhishResult struct {
	TicketID    int64
	How         string
	Suspect     []byte
	Verdict     string
	Score       int
	Reasons     []string
	Analysis    []byte // JSON
	Sender      string
	SimHash     uint64
	DeliveredAt *time.Time
	Indicators  map[string][]string // kind -> values
}

// SavePhishResult stores an analysis and its indicators; a verdict the
// security team set stays.
func (tx *Tx) SavePhishResult(ctx context.Context, r PhishResult) error {
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
	_, err := tx.tx.Exec(ctx, `UPDATE phishing_reports SET how = $2, suspect = coalesce($3, suspect), auto_verdict = $4,
			verdict = CASE WHEN overruled_by IS NULL THEN $4 ELSE verdict END, score = $5, reasons = $6, analysis = $7,
			sender = $8, simhash = $9, delivered_at = $10, analysed_at = now()
		WHERE ticket_id = $1`, r.TicketID, r.How, r.Suspect, r.Verdict, r.Score, r.Reasons, r.Analysis, r.Sender,
		int64(r.SimHash), r.DeliveredAt)
	if err != nil {
		return mapError(err)
	}
	if _, err := tx.tx.Exec(ctx, `DELETE FROM phishing_indicators WHERE ticket_id = $1`, r.TicketID); err != nil {
		return mapError(err)
	}
	for kind, vals := range r.Indicators {
		if len(vals) == 0 {
			continue
		}
		if _, err := tx.tx.Exec(ctx, `INSERT INTO phishing_indicators (ticket_id, kind, value)
			SELECT $1, $2, v FROM unnest($3::text[]) v ON CONFLICT DO NOTHING`, r.TicketID, kind, vals); err != nil {
			return mapError(err)
		}
	}
	return nil
}

// PhishCandidate is an earlier report that may be of the same campaign.
type PhishCandidate struct {
	TicketID   int64
	CampaignID int64
	SimHash    uint64
	Indicators map[string][]string
}

// GroupPhishReport puts a report into a campaign: the campaign of the
// first earlier report (last 30 days) that pick accepts, else a new one.
// It runs under a lock, so concurrent reports of one new campaign end up
// together. It returns the campaign and how many reports it now has.
func (db *DB) GroupPhishReport(ctx context.Context, ticketID int64, pick func(PhishCandidate) bool) (campaignID int64, reports int, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, campaignLock); err != nil {
			return err
		}
		var cur *int64
		var sim int64
		if err := tx.tx.QueryRow(ctx, `SELECT campaign_id, simhash FROM phishing_reports WHERE ticket_id = $1 FOR UPDATE`, ticketID).Scan(&cur, &sim); err != nil {
			return err
		}
		if cur != nil {
			campaignID = *cur
		} else {
			rows, err := tx.tx.Query(ctx, `SELECT r.ticket_id, r.campaign_id, r.simhash,
					coalesce((SELECT jsonb_object_agg(kind, vals) FROM (SELECT kind, array_agg(value) vals FROM phishing_indicators
						WHERE ticket_id = r.ticket_id GROUP BY kind) k), '{}')
				FROM phishing_reports r
				WHERE r.ticket_id <> $1 AND r.campaign_id IS NOT NULL AND r.reported_at > now() - interval '30 days'
				  AND (EXISTS (SELECT 1 FROM phishing_indicators i JOIN phishing_indicators j ON j.kind = i.kind AND j.value = i.value
				               WHERE i.ticket_id = $1 AND j.ticket_id = r.ticket_id)
				       OR ($2::bigint <> 0 AND r.simhash <> 0 AND bit_count((r.simhash # $2::bigint)::bit(64)) <= 8))
				ORDER BY r.reported_at, r.ticket_id LIMIT 200`, ticketID, sim)
			if err != nil {
				return err
			}
			var cands []PhishCandidate
			for rows.Next() {
				var c PhishCandidate
				var s int64
				var ind []byte
				if err := rows.Scan(&c.TicketID, &c.CampaignID, &s, &ind); err != nil {
					rows.Close()
					return err
				}
				c.SimHash = uint64(s)
				_ = json.Unmarshal(ind, &c.Indicators)
				cands = append(cands, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range cands {
				if pick(c) {
					campaignID = c.CampaignID
					break
				}
			}
			if campaignID == 0 {
				if err := tx.tx.QueryRow(ctx, `INSERT INTO phishing_campaigns DEFAULT VALUES RETURNING id`).Scan(&campaignID); err != nil {
					return err
				}
			}
			if _, err := tx.tx.Exec(ctx, `UPDATE phishing_reports SET campaign_id = $2 WHERE ticket_id = $1`, ticketID, campaignID); err != nil {
				return err
			}
		}
		return tx.tx.QueryRow(ctx, `SELECT count(*) FROM phishing_reports WHERE campaign_id = $1`, campaignID).Scan(&reports)
	})
	return campaignID, reports, mapError(err)
}

// PhishIndicatorsOf returns a report's indicators by kind.
func (db *DB) PhishIndicatorsOf(ctx context.Context, ticketID int64) (map[string][]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT kind, value FROM phishing_indicators WHERE ticket_id = $1 ORDER BY kind, value`, ticketID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, mapError(err)
		}
		out[k] = append(out[k], v)
	}
	return out, mapError(rows.Err())
}

// CampaignMember is one report of a campaign and its parent.
type CampaignMember struct {
	TicketID int64
	Number   int64
	Parent   *int64
}

// CampaignTicket returns the number of a campaign's incident ticket (nil
// while it has none) and its reports, oldest first.
func (db *DB) CampaignTicket(ctx context.Context, campaignID int64) (*int64, []CampaignMember, error) {
	var tid *int64
	if err := db.pool.QueryRow(ctx, `SELECT t.number FROM phishing_campaigns c LEFT JOIN tickets t ON t.id = c.ticket_id
		WHERE c.id = $1`, campaignID).Scan(&tid); err != nil {
		return nil, nil, mapError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.number, t.parent_id FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id
		WHERE r.campaign_id = $1 ORDER BY r.reported_at, t.id`, campaignID)
	if err != nil {
		return nil, nil, mapError(err)
	}
	defer rows.Close()
	var out []CampaignMember
	for rows.Next() {
		var m CampaignMember
		if err := rows.Scan(&m.TicketID, &m.Number, &m.Parent); err != nil {
			return nil, nil, mapError(err)
		}
		out = append(out, m)
	}
	return tid, out, mapError(rows.Err())
}

// ClaimCampaignTicket makes ticketID the campaign's incident, in the
// transaction that files it; ECONFLICT when another node filed one first.
func (tx *Tx) ClaimCampaignTicket(ctx context.Context, campaignID, ticketID int64) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE phishing_campaigns SET ticket_id = $2 WHERE id = $1 AND ticket_id IS NULL`, campaignID, ticketID)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ECONFLICT, "The campaign already has an incident.")
	}
	return tx.InsertIncident(ctx, ticketID, "phishing")
}

// MarkTeachBack records that a reporter is being thanked for a report, in
// the transaction that posts the thank-you; false when this report, or
// another of the same reporter in the same campaign, was thanked already.
func (tx *Tx) MarkTeachBack(ctx context.Context, ticketID int64) (bool, error) {
	tag, err := tx.tx.Exec(ctx, `UPDATE phishing_reports r SET teachback_at = now()
		WHERE r.ticket_id = $1 AND r.teachback_at IS NULL AND NOT EXISTS (
			SELECT 1 FROM phishing_reports o WHERE o.ticket_id <> r.ticket_id AND o.reporter_id = r.reporter_id
			  AND o.campaign_id = r.campaign_id AND o.teachback_at IS NOT NULL)`, ticketID)
	if err != nil {
		return false, mapError(err)
	}
	return tag.RowsAffected() == 1, nil
}

// SetPhishVerdict records the security team's verdict on a report.
func (db *DB) SetPhishVerdict(ctx context.Context, ticketID, by int64, verdict, note string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE phishing_reports SET verdict = $2, overruled_by = $3, overrule_note = $4
		WHERE ticket_id = $1`, ticketID, verdict, by, note)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "That ticket is not a phishing report.")
	}
	return nil
}

// PhishReport loads the report of a ticket; ENOTFOUND when it is none.
func (db *DB) PhishReport(ctx context.Context, ticketID int64) (*helpdesk.PhishReport, error) {
	var r helpdesk.PhishReport
	var analysis []byte
	err := db.pool.QueryRow(ctx, `SELECT r.ticket_id, t.number, r.reporter_id, r.how, r.verdict, r.auto_verdict, r.score,
			r.reasons, r.analysis, u.name, r.overrule_note, r.campaign_id, r.sender, r.delivered_at, r.reported_at,
			r.analysed_at, r.teachback_at, r.suspect IS NOT NULL
		FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN users u ON u.id = r.overruled_by
		WHERE r.ticket_id = $1`, ticketID).Scan(&r.TicketID, &r.Number, &r.ReporterID, &r.How, &r.Verdict, &r.AutoVerdict,
		&r.Score, &r.Reasons, &analysis, &r.OverruledBy, &r.OverruleNote, &r.CampaignID, &r.Sender, &r.DeliveredAt,
		&r.ReportedAt, &r.AnalysedAt, &r.TeachBackAt, &r.HasSuspect)
	if err != nil {
		return nil, mapError(err)
	}
	r.Analysis = analysis
	return &r, nil
}

// PhishSuspect returns the reported mail of a report.
func (db *DB) PhishSuspect(ctx context.Context, ticketID int64) ([]byte, error) {
	var raw []byte
	err := db.pool.QueryRow(ctx, `SELECT suspect FROM phishing_reports WHERE ticket_id = $1 AND suspect IS NOT NULL`, ticketID).Scan(&raw)
	return raw, mapError(err)
}

// PhishCampaignByTicket loads the campaign whose incident is ticketID;
// ENOTFOUND when the ticket is not a campaign's incident.
func (db *DB) PhishCampaignByTicket(ctx context.Context, ticketID int64) (*helpdesk.PhishCampaign, error) {
	c := helpdesk.PhishCampaign{Verdicts: map[string]int{}}
	err := db.pool.QueryRow(ctx, `SELECT c.id, c.ticket_id, c.closed_notice_at, count(r.ticket_id), count(DISTINCT r.reporter_id),
			coalesce(min(r.reported_at), c.created_at), coalesce(max(r.reported_at), c.created_at), min(r.delivered_at)
		FROM phishing_campaigns c LEFT JOIN phishing_reports r ON r.campaign_id = c.id
		WHERE c.ticket_id = $1 GROUP BY c.id`, ticketID).Scan(&c.ID, &c.TicketID, &c.ClosedNoticeAt, &c.Reports, &c.Reporters,
		&c.FirstReported, &c.LastReported, &c.FirstDelivered)
	if err != nil {
		return nil, mapError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT t.number, coalesce(u.email, ''), r.reported_at, r.verdict
		FROM phishing_reports r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN users u ON u.id = r.reporter_id
		WHERE r.campaign_id = $1 ORDER BY r.reported_at, t.number`, c.ID)
	if err != nil {
		return nil, mapError(err)
	}
	for rows.Next() {
		var ch helpdesk.PhishChild
		if err := rows.Scan(&ch.Number, &ch.Reporter, &ch.ReportedAt, &ch.Verdict); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		c.Verdicts[ch.Verdict]++
		c.Children = append(c.Children, ch)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	c.Indicators, err = db.phishIndicators(ctx, `WHERE r.campaign_id = $1`, c.ID, 200)
	return &c, err
}

// phishIndicators counts indicators over the reports a where clause picks.
func (db *DB) phishIndicators(ctx context.Context, where string, arg any, limit int) ([]helpdesk.PhishIndicator, error) {
	rows, err := db.pool.Query(ctx, `SELECT i.kind, i.value, count(*) FROM phishing_indicators i
		JOIN phishing_reports r ON r.ticket_id = i.ticket_id `+where+`
		GROUP BY i.kind, i.value ORDER BY count(*) DESC, i.kind, i.value LIMIT `+strconv.Itoa(limit), arg)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.PhishIndicator
	for rows.Next() {
		var in helpdesk.PhishIndicator
		if err := rows.Scan(&in.Kind, &in.Value, &in.Reports); err != nil {
			return nil, mapError(err)
		}
		out = append(out, in)
	}
	return out, mapError(rows.Err())
}

// MarkCampaignNotice records that the "handled" notice went out; false
// when it had already.
func (db *DB) MarkCampaignNotice(ctx context.Context, campaignID int64) (bool, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE phishing_campaigns SET closed_notice_at = now() WHERE id = $1 AND closed_notice_at IS NULL`, campaignID)
	if err != nil {
		return false, mapError(err)
	}
	return tag.RowsAffected() == 1, nil
}

// PhishSetup is what the analysis needs from the database: the team that
// handles reports, who acts for it, and the colleagues' names.
type PhishSetup struct {
	TeamID  *int64
	OwnerID int64 // a lead of the team, else a member, else an admin; 0 when there is nobody
	Staff   []helpdesk.User
}

// PhishSetup loads the reports team (the team of the first phishing intake
// address), the person who acts for it, and every active staff member.
func (db *DB) PhishSetup(ctx context.Context) (*PhishSetup, error) {
	var s PhishSetup
	err := db.pool.QueryRow(ctx, `SELECT team_id FROM intake_addresses WHERE phishing ORDER BY team_id IS NULL, id LIMIT 1`).Scan(&s.TeamID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, mapError(err)
	}
	err = db.pool.QueryRow(ctx, `SELECT u.id FROM users u LEFT JOIN team_members m ON m.user_id = u.id AND m.team_id = $1
		WHERE u.active AND u.role IN ('agent', 'lead', 'admin')
		ORDER BY (m.team_id IS NOT NULL AND u.role = 'lead') DESC, (m.team_id IS NOT NULL) DESC, (u.role = 'admin') DESC, u.id LIMIT 1`, s.TeamID).Scan(&s.OwnerID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, mapError(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT id, email, name FROM users WHERE active AND role IN ('agent', 'lead', 'admin') ORDER BY id LIMIT 5000`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u helpdesk.User
		if err := rows.Scan(&u.ID, &u.Email, &u.Name); err != nil {
			return nil, mapError(err)
		}
		s.Staff = append(s.Staff, u)
	}
	return &s, mapError(rows.Err())
}

// InPhishTeam reports whether a user is on the security team (a member of
// a team that a phishing intake address routes to).
func (db *DB) InPhishTeam(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM team_members m JOIN intake_addresses a ON a.team_id = m.team_id
		WHERE a.phishing AND m.user_id = $1)`, userID).Scan(&ok)
	return ok, mapError(err)
}

// PhishAddress is the local part of the first phishing-reports intake
// address, or "" when none is marked.
func (db *DB) PhishAddress(ctx context.Context) (string, error) {
	var local string
	err := db.pool.QueryRow(ctx, `SELECT local_part FROM intake_addresses WHERE phishing ORDER BY id LIMIT 1`).Scan(&local)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return local, mapError(err)
}

// SetIntakePhishing marks an intake address as "phishing reports" or not.
func (tx *Tx) SetIntakePhishing(ctx context.Context, id int64, on bool) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE intake_addresses SET phishing = $2 WHERE id = $1`, id, on)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such address.")
	}
	return nil
}
