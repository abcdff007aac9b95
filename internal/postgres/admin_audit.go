package postgres

import (
	"context"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
)

// AuditLog lists admin changes matching f, newest first. The filter is
// built from fixed fragments with numbered parameters only; no input is
// ever spliced into the SQL.
func (db *DB) AuditLog(ctx context.Context, f helpdesk.AuditFilter) ([]helpdesk.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add(`(u.email ILIKE $? OR u.name ILIKE $?)`, ContainsPattern(f.Actor))
	}
	if f.ObjectType != "" {
		add("a.object_type = $?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("a.object_id = $?", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("a.created_at >= $?", f.From)
	}
	if !f.To.IsZero() {
		add("a.created_at < $?", f.To)
	}
	limit := f.Limit
	if limit <= 0 || limit > 100000 {
		limit = 500
	}
	sql := `SELECT a.id, a.actor_id, coalesce(u.name, ''), coalesce(u.email, ''), a.object_type, a.object_id, a.action,
		coalesce(a.before::text, ''), coalesce(a.after::text, ''), a.created_at
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY a.created_at DESC, a.id DESC LIMIT " + strconv.Itoa(limit)
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.AuditEntry
	for rows.Next() {
		var e helpdesk.AuditEntry
		if err := rows.Scan(&e.ID, &e.ActorID, &e.ActorName, &e.ActorEmail, &e.ObjectType, &e.ObjectID, &e.Action,
			&e.Before, &e.After, &e.CreatedAt); err != nil {
			return nil, mapError(err)
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

// likeEscaper quotes LIKE's wildcards and its escape character (backslash,
// the default ESCAPE).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ContainsPattern is a LIKE pattern matching s anywhere, literally: an admin
// looking for "j_doe" or "100%" means those characters, not wildcards. An
// empty s gives "" (no filter).
func ContainsPattern(s string) string {
	if s == "" {
		return ""
	}
	return "%" + likeEscaper.Replace(s) + "%"
}

// AuditObjectTypes lists the object types present in the audit log, for
// the filter's choices.
func (db *DB) AuditObjectTypes(ctx context.Context) ([]string, error) {
	rows, err := db.pool.Query(ctx, "SELECT DISTINCT object_type FROM audit_log ORDER BY 1")
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, mapError(err)
		}
		out = append(out, s)
	}
	return out, mapError(rows.Err())
}
