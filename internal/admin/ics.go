package admin

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/sla"
)

// MaxICSSize bounds an uploaded holiday calendar; public-holiday feeds for
// a decade are a few hundred kilobytes.
const MaxICSSize = 2 << 20

// ParseICS reads the all-day events of an iCalendar (RFC 5545) file as
// holidays: VEVENT blocks whose DTSTART is a date (";VALUE=DATE" or a bare
// YYYYMMDD), named by SUMMARY. A DTEND after the day (exclusive, as RFC 5545
// says for dates) makes it a span of days. Timed events are skipped: a
// meeting is not a holiday. Recurrence rules are not expanded; holiday feeds
// list each year's dates.
func ParseICS(data []byte) ([]helpdesk.Holiday, error) {
	if len(data) > MaxICSSize {
		return nil, errors.New("the file is larger than 2 MB")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.Contains(bytes.ToUpper(data[:min(len(data), 4096)]), []byte("BEGIN:VCALENDAR")) {
		return nil, errors.New("this is not an iCalendar (.ics) file")
	}
	var out []helpdesk.Holiday
	seen := map[string]bool{}
	var inEvent bool
	var start, end, summary string
	for _, line := range unfold(string(data)) {
		name, params, value := splitContentLine(line)
		switch {
		case name == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			inEvent, start, end, summary = true, "", "", ""
		case name == "END" && strings.EqualFold(value, "VEVENT"):
			inEvent = false
			for _, day := range eventDays(start, end) {
				if !seen[day] {
					seen[day] = true
					out = append(out, helpdesk.Holiday{Day: day, Name: summary})
				}
			}
		case !inEvent:
		case name == "DTSTART":
			start = dateValue(params, value)
		case name == "DTEND":
			end = dateValue(params, value)
		case name == "SUMMARY":
			summary = truncateRunes(unescapeText(value), 120)
		}
	}
	if len(out) > 5000 {
		return nil, errors.New("the file has more than 5000 holidays")
	}
	return out, nil
}

// unfold joins RFC 5545 folded lines (a line starting with a space or tab
// continues the previous one) and accepts CRLF or LF endings.
func unfold(s string) []string {
	var lines []string
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// splitContentLine splits "NAME;PARAM=X:VALUE"; the colon that ends the
// parameters is the first one outside double quotes.
func splitContentLine(l string) (name, params, value string) {
	quoted := false
	for i, r := range l {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ':' && !quoted:
			head := l[:i]
			name, params, _ = strings.Cut(head, ";")
			return strings.ToUpper(strings.TrimSpace(name)), strings.ToUpper(params), strings.TrimSpace(l[i+1:])
		}
	}
	return "", "", ""
}

// dateValue returns "2006-01-02" for a date value, "" for date-times.
func dateValue(params, value string) string {
	isDate := strings.Contains(params, "VALUE=DATE") && !strings.Contains(params, "VALUE=DATE-TIME")
	if !isDate && len(value) != 8 {
		return ""
	}
	if len(value) < 8 {
		return ""
	}
	t, err := time.Parse("20060102", value[:8])
	if err != nil || (len(value) > 8 && !isDate) {
		return ""
	}
	return t.Format(sla.DateLayout)
}

// eventDays expands an all-day event to its days; DTEND is exclusive and a
// missing DTEND means one day. Spans are capped at 31 days.
func eventDays(start, end string) []string {
	s, err := time.Parse(sla.DateLayout, start)
	if err != nil {
		return nil
	}
	e, err := time.Parse(sla.DateLayout, end)
	if err != nil || !e.After(s) {
		e = s.AddDate(0, 0, 1)
	}
	var out []string
	for d := s; d.Before(e) && len(out) < 31; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(sla.DateLayout))
	}
	return out
}

// unescapeText undoes RFC 5545 TEXT escaping.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, " ", `\N`, " ")
	return strings.TrimSpace(r.Replace(s))
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
