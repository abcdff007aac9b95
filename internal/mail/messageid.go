package mail

import "strings"

// MaxIDLen bounds a stored Message-ID: longer ones are hostile or broken and
// would not fit a btree index entry.
const MaxIDLen = 500

// RawMessageID returns the bare Message-ID from the header of raw mail, cheaply
// and without a full MIME parse (the SMTP answer waits on it).
func RawMessageID(raw []byte) string {
	hdr, _ := splitHeaderBody(normalizeInput(headPrefix(raw)))
	h := parseHeaderBlock(hdr)
	id := strings.TrimSpace(first(parseIDs(strings.Join(h["Message-Id"], " "))))
	if len(id) > MaxIDLen {
		return ""
	}
	return id
}

// headPrefix limits the header scan to the first 256 KiB.
func headPrefix(raw []byte) []byte {
	if len(raw) > 256<<10 {
		return raw[:256<<10]
	}
	return raw
}
