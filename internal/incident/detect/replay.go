package detect

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Row is one ticket of a replay file; Row numbers count data rows from 1.
type Row struct {
	Number   int
	Time     time.Time
	Text     string
	Category string
}

// ReadRows reads a replay CSV (header row first; gzip accepted) taking the
// time (RFC 3339), text and optional category columns by name.
func ReadRows(r io.Reader, timeCol, textCol, catCol string) ([]Row, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("read replay csv: %w", err)
		}
		defer zr.Close() //nolint:errcheck // read-only
		br = bufio.NewReader(zr)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("read replay csv: empty input, no header row")
	} else if err != nil {
		return nil, fmt.Errorf("read replay csv header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	col := func(name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		i, ok := idx[name]
		if !ok {
			return 0, fmt.Errorf("read replay csv: column %q not found in header %q", name, header)
		}
		return i, nil
	}
	ti, err := col(timeCol)
	if err != nil {
		return nil, err
	}
	xi, err := col(textCol)
	if err != nil {
		return nil, err
	}
	ci, err := col(catCol)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read replay csv row %d: %w", n, err)
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		var at time.Time
		if ti >= 0 {
			if at, err = time.Parse(time.RFC3339, get(ti)); err != nil {
				return nil, fmt.Errorf("read replay csv row %d: time %q is not RFC 3339", n, get(ti))
			}
		}
		rows = append(rows, Row{Number: n, Time: at, Text: get(xi), Category: get(ci)})
	}
	return rows, nil
}

// Replay runs a fresh detector over rows in time order (ties in file
// order) and returns the incidents it proposed, each with every ticket it
// grouped, in the order they were proposed.
func Replay(rows []Row, cfg Config) []*Incident {
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b Row) int { return a.Time.Compare(b.Time) })
	d := New(cfg)
	var out []*Incident
	for _, r := range sorted {
		dec := d.Add(Ticket{Key: int64(r.Number), Time: r.Time, Text: r.Text, Category: r.Category})
		if dec.Proposed != nil {
			out = append(out, dec.Proposed)
		}
	}
	return out
}

// WriteReplay prints the replay command's report: one line per incident,
// then the totals line.
func WriteReplay(w io.Writer, incidents []*Incident) error {
	grouped := 0
	for _, in := range incidents {
		nums := make([]string, len(in.Tickets))
		keys := slices.Clone(in.Tickets)
		slices.Sort(keys)
		for i, k := range keys {
			nums[i] = fmt.Sprint(k)
		}
		grouped += len(keys)
		var ents []string
		for _, e := range in.Entities {
			ents = append(ents, e.String())
		}
		for _, wd := range in.Words {
			ents = append(ents, "word:"+wd)
		}
		if _, err := fmt.Fprintf(w, "incident start=%s proposed=%s tickets=%s entities=%s\n",
			in.Start.UTC().Format(time.RFC3339), in.Proposed.UTC().Format(time.RFC3339),
			strings.Join(nums, ","), strings.ReplaceAll(strings.Join(ents, ","), " ", "_")); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "incidents=%d tickets_grouped=%d\n", len(incidents), grouped)
	return err
}
