package postgres

import (
	"context"
	"fmt"
	"strconv"

	"switchboard/internal/helpdesk"
)

// fillOutcomes sets the outcome of the runs' notify_chat and webhook
// results from the delivery logs as they stand now: a chat message's
// status and message id (or why it was not sent), a webhook's status and
// last response code. The run stores only that it queued them; the
// deliveries happen later, in jobs, and are retried.
func fillOutcomes(ctx context.Context, q rowsQuerier, runs []*helpdesk.Run) error {
	var ids []int64
	for _, r := range runs {
		for _, res := range r.Results {
			if res.Action == helpdesk.ActionNotifyChat || res.Action == helpdesk.ActionWebhook {
				ids = append(ids, r.ID)
				break
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	type chatOut struct {
		number                        int64
		channel, status, remote, errs string
		connector                     string
		id                            int64
	}
	chats := map[int64][]chatOut{}
	rows, err := q.Query(ctx, `SELECT r.id, coalesce(t.number, 0), d.channel, d.status, d.remote_id, d.last_error, d.connector, d.id
		FROM unnest($1::bigint[]) AS r(id)
		JOIN chat_deliveries d ON d.idem_key LIKE 'rule:%'
			AND (d.idem_key COLLATE "C") >= ('rule:' || r.id || ':') AND (d.idem_key COLLATE "C") < ('rule:' || r.id || ';')
		LEFT JOIN tickets t ON t.id = d.ticket_id`, ids)
	if err != nil {
		return fmt.Errorf("chat outcomes of runs: %w", mapError(err))
	}
	for rows.Next() {
		var run int64
		var c chatOut
		if err := rows.Scan(&run, &c.number, &c.channel, &c.status, &c.remote, &c.errs, &c.connector, &c.id); err != nil {
			rows.Close()
			return fmt.Errorf("chat outcomes of runs: %w", mapError(err))
		}
		chats[run] = append(chats[run], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chat outcomes of runs: %w", mapError(err))
	}
	type hookOut struct {
		status string
		code   *int
		errs   string
	}
	hooks := map[int64]hookOut{}
	rows, err = q.Query(ctx, `SELECT id, status, response_code, error FROM webhook_deliveries WHERE run_id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("webhook outcomes of runs: %w", mapError(err))
	}
	for rows.Next() {
		var id int64
		var h hookOut
		if err := rows.Scan(&id, &h.status, &h.code, &h.errs); err != nil {
			rows.Close()
			return fmt.Errorf("webhook outcomes of runs: %w", mapError(err))
		}
		hooks[id] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("webhook outcomes of runs: %w", mapError(err))
	}
	for _, r := range runs {
		for i := range r.Results {
			res := &r.Results[i]
			switch res.Action {
			case helpdesk.ActionNotifyChat:
				for _, c := range chats[r.ID] {
					if c.number != res.Ticket || c.channel != res.Channel {
						continue
					}
					res.Status, res.MessageID, res.DeliveryID = c.status, c.remote, c.id
					switch c.status {
					case "sent":
						res.Result = fmt.Sprintf("sent to %s via %s, message %s", c.channel, c.connector, c.remote)
					case "failed":
						res.Result = fmt.Sprintf("not sent to %s: %s", c.channel, c.errs)
					default:
						res.Result = "queued to chat " + c.channel
						if c.errs != "" {
							res.Result += " (retrying: " + c.errs + ")"
						}
					}
				}
			case helpdesk.ActionWebhook:
				h, ok := hooks[res.DeliveryID]
				if !ok {
					continue
				}
				res.Status = h.status
				if h.code != nil {
					res.ResponseCode = *h.code
				}
				switch h.status {
				case "delivered":
					res.Result = fmt.Sprintf("delivery #%d delivered (HTTP %s)", res.DeliveryID, strconv.Itoa(res.ResponseCode))
				case "failed":
					res.Result = fmt.Sprintf("delivery #%d failed: %s", res.DeliveryID, h.errs)
				}
			}
		}
	}
	return nil
}
