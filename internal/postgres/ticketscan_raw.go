package postgres

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Reading the list columns from their binary wire values directly: pgx's
// Scan resolves a plan and goes through interfaces for each of a row's 30+
// values, ~9 % of a queue page's CPU at 1M tickets (1,500 values a page).
// The fast path is taken only when the result is exactly what it decodes
// (every column of the type expected, binary but for text); anything else, and any value
// it does not decode the way pgx would (an infinite or out-of-range time),
// goes through pgx's Scan as before. TestTicketScannerRawMatchesScan
// compares the two on real rows.

// Column kinds of ticketListColumns, in order.
const (
	kInt8 = iota
	kInt8Null
	kInt4
	kText
	kTextNull
	kTime
	kTimeNull
)

var listKinds = []int{kInt8, kInt8, kText, kText, kText, kText, kText, kInt8Null, kInt8Null, kInt8Null, kInt8, kText,
	kTimeNull, kTimeNull, kTimeNull, kTimeNull, kTimeNull, kInt4, kInt8Null, kInt8Null, kTime, kTime, kTextNull,
	kTextNull, kTextNull, kTextNull, kTextNull, kTextNull, kText, kText}

// Column kinds of queueColumns, in order.
var queueKinds = []int{kInt8, kInt8, kText, kText, kText, kInt8Null, kInt8Null, kTimeNull, kTime, kTextNull, kText}

// rawScanOff turns the fast path off and rawRows counts the rows it read
// (tests compare both paths, and check the fast one ran).
var (
	rawScanOff atomic.Bool
	rawRows    atomic.Int64
)

// rawOK reports whether the fast path can read rows described by fds
// into s.dest.
func (s *ticketScanner) rawOK(fds []pgconn.FieldDescription) bool {
	if rawScanOff.Load() || len(fds) != len(s.dest) || len(fds) < len(s.kinds) {
		return false
	}
	for i, fd := range fds {
		want := uint32(0)
		if i < len(s.kinds) {
			switch s.kinds[i] {
			case kInt8, kInt8Null:
				want = pgtype.Int8OID
			case kInt4:
				want = pgtype.Int4OID
			case kText, kTextNull:
				want = pgtype.TextOID
			case kTime, kTimeNull:
				want = pgtype.TimestamptzOID
			}
		} else {
			switch s.dest[i].(type) {
			case *string:
				want = pgtype.TextOID
			case *float64:
				want = pgtype.Float8OID
			default:
				return false
			}
		}
		// Text is the same bytes in either format (pgx asks for it as
		// text); everything else must be binary.
		if fd.DataTypeOID != want || (want != pgtype.TextOID && fd.Format != pgtype.BinaryFormatCode) {
			return false
		}
	}
	return true
}

// rawScan reads one row's values into s.dest as Scan would; false when a
// value needs pgx's own Scan (the caller then uses it).
func (s *ticketScanner) rawScan(vals [][]byte) bool {
	if len(vals) != len(s.dest) {
		return false
	}
	for i, v := range vals {
		kind := -1
		if i < len(s.kinds) {
			kind = s.kinds[i]
		}
		switch d := s.dest[i].(type) {
		case *int64:
			if kind != kInt8 || len(v) != 8 {
				return false
			}
			*d = int64(binary.BigEndian.Uint64(v))
		case *pgtype.Int8:
			switch {
			case v == nil:
				*d = pgtype.Int8{}
			case len(v) == 8:
				*d = pgtype.Int8{Int64: int64(binary.BigEndian.Uint64(v)), Valid: true}
			default:
				return false
			}
		case *int32:
			if len(v) != 4 {
				return false
			}
			*d = int32(binary.BigEndian.Uint32(v))
		case *string:
			if v == nil {
				return false // Scan's error for NULL into a string
			}
			*d = string(v)
		case *pgtype.Text:
			if v == nil {
				*d = pgtype.Text{}
			} else {
				*d = pgtype.Text{String: string(v), Valid: true}
			}
		case *time.Time:
			t, ok := rawTime(v)
			if !ok || v == nil {
				return false
			}
			*d = t
		case *pgtype.Timestamptz:
			if v == nil {
				*d = pgtype.Timestamptz{}
				continue
			}
			t, ok := rawTime(v)
			if !ok {
				return false
			}
			*d = pgtype.Timestamptz{Time: t, Valid: true}
		case *float64:
			if len(v) != 8 {
				return false
			}
			*d = math.Float64frombits(binary.BigEndian.Uint64(v))
		default:
			return false
		}
	}
	return true
}

// Microseconds from 2000-01-01 to the Unix epoch, and the span (years 1 to
// 9999) inside which the result equals pgx's.
const (
	unixToY2KMicros = 946_684_800 * 1_000_000
	rawTimeMin      = -63_082_281_600_000_000 // 0001-01-01 UTC
	rawTimeMax      = 252_455_615_999_999_999 // 9999-12-31 23:59:59.999999 UTC
)

// rawTime decodes a binary timestamptz as pgx does (time.Unix, the local
// zone); infinities and far dates are left to pgx.
func rawTime(v []byte) (time.Time, bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	us := int64(binary.BigEndian.Uint64(v))
	if us < rawTimeMin || us > rawTimeMax {
		return time.Time{}, false
	}
	return time.Unix(unixToY2KMicros/1_000_000+us/1_000_000, (unixToY2KMicros%1_000_000*1_000)+(us%1_000_000*1_000)), true
}

// scanRow fills s.dest from row, by the fast path when it applies.
func (s *ticketScanner) scanRow(row pgx.CollectableRow) error {
	if s.raw == 0 {
		s.raw = 2
		if s.rawOK(row.FieldDescriptions()) {
			s.raw = 1
		}
	}
	if s.raw == 1 && s.rawScan(row.RawValues()) {
		rawRows.Add(1)
		return nil
	}
	return row.Scan(s.dest...)
}
