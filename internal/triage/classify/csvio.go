package classify

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReadCSV reads labelled examples from CSV with a header row, taking the
// text from textColumn and the label from labelColumn (names match the
// header exactly, after trimming spaces and a UTF-8 byte-order mark).
// Gzip input is detected by its magic bytes, so exports can be fed
// compressed or not without the caller knowing which. Rows whose text or
// label is blank are skipped: an unlabelled ticket teaches nothing.
func ReadCSV(r io.Reader, textColumn, labelColumn string) ([]Example, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("classify: read csv: %w", err)
		}
		defer zr.Close() //nolint:errcheck // a read-side close; a bad checksum already failed the read
		br = bufio.NewReader(zr)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // tolerate ragged rows; we only need two columns
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("classify: read csv: empty input, no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("classify: read csv header: %w", err)
	}
	textIdx, labelIdx := -1, -1
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		names[i] = h
		switch h {
		case textColumn:
			textIdx = i
		case labelColumn:
			labelIdx = i
		}
	}
	for _, c := range []struct {
		name string
		idx  int
	}{{textColumn, textIdx}, {labelColumn, labelIdx}} {
		if c.idx < 0 {
			return nil, fmt.Errorf("classify: read csv: column %q not found in header %q", c.name, names)
		}
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("classify: read csv: %w", err)
		}
		if textIdx >= len(rec) || labelIdx >= len(rec) {
			continue
		}
		text, label := strings.TrimSpace(rec[textIdx]), strings.TrimSpace(rec[labelIdx])
		if text == "" || label == "" {
			continue
		}
		// Clone: ReuseRecord lets the reader overwrite the backing storage.
		out = append(out, Example{Text: strings.Clone(text), Label: strings.Clone(label)})
	}
}

// Split divides examples into a training and a held-out part. The side is
// chosen by a hash of the normalised text rather than at random, so the
// same ticket (or an exact re-send differing only in case or spacing)
// always lands on the same side: a duplicate in both halves would inflate
// the held-out score. heldOutPercent is clamped to [0,100]; order within
// each part follows the input.
func Split(examples []Example, heldOutPercent int) (train, test []Example) {
	heldOutPercent = min(max(heldOutPercent, 0), 100)
	for _, ex := range examples {
		if textHash(fnvOffset, ex.Text)%100 < uint64(heldOutPercent) {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test
}

// textHash is FNV-1a, continued from h, of the text lower-cased with runs
// of white space collapsed to one space and trimmed: the differences that
// copies of one ticket typically show. It works in place because Train
// hashes every ticket while its training matrix is already in memory, and
// a normalised copy of each text would be tens of megabytes of garbage.
func textHash(h uint64, s string) uint64 {
	space := false
	started := false
	var buf [utf8.UTFMax]byte
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = started
			continue
		}
		if space {
			h = (h ^ ' ') * fnvPrime
			space = false
		}
		started = true
		n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
		h = fnvBytes(h, buf[:n])
	}
	return h
}
