package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
)

// Arrival is one ticket in an arrivals file. The category doubles as the
// skill an agent needs to take it.
type Arrival struct {
	At       time.Time
	Team     string
	Category string
	Priority helpdesk.Priority
	Handling time.Duration // hands-on work time, spent only while on shift
	Language string
}

var arrivalHeader = []string{"arrived_at", "team", "category", "priority", "handling_minutes", "language"}

// LoadArrivals reads an arrivals CSV (header arrived_at,team,category,
// priority,handling_minutes,language; times RFC 3339), sorted by time.
func LoadArrivals(path string) ([]Arrival, error) {
	f, err := os.Open(path) //nolint:gosec // the file the operator named
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	return ReadArrivals(f)
}

// ReadArrivals is LoadArrivals on a reader.
func ReadArrivals(r io.Reader) ([]Arrival, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(arrivalHeader)
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0][0] != arrivalHeader[0] {
		return nil, fmt.Errorf("arrivals: want header %v", arrivalHeader)
	}
	var out []Arrival
	for i, row := range rows[1:] {
		at, err := time.Parse(time.RFC3339, row[0])
		if err != nil {
			return nil, fmt.Errorf("arrivals line %d: %w", i+2, err)
		}
		p := helpdesk.Priority(row[3])
		if !p.Valid() {
			return nil, fmt.Errorf("arrivals line %d: priority %q", i+2, row[3])
		}
		m, err := strconv.Atoi(row[4])
		if err != nil || m <= 0 {
			return nil, fmt.Errorf("arrivals line %d: handling_minutes %q", i+2, row[4])
		}
		out = append(out, Arrival{At: at, Team: row[1], Category: row[2], Priority: p, Handling: time.Duration(m) * time.Minute, Language: row[5]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// WriteArrivals writes arrivals in the format LoadArrivals reads.
func WriteArrivals(w io.Writer, as []Arrival) error {
	rows := make([][]string, 0, len(as)+1)
	rows = append(rows, arrivalHeader)
	for _, a := range as {
		rows = append(rows, []string{a.At.UTC().Format(time.RFC3339), a.Team, a.Category, string(a.Priority), strconv.Itoa(int(a.Handling / time.Minute)), a.Language})
	}
	if err := csv.NewWriter(w).WriteAll(rows); err != nil {
		return fmt.Errorf("write arrivals: %w", err)
	}
	return nil
}
