package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

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

// assignedDomain marks the Message-IDs we give to mail that came without
// one ("switchboard.invalid" was the earlier, guessable form).
const assignedDomain = "assigned.switchboard.invalid"

// AssignedMessageID is the Message-ID stored for a mail that had none: 128
// bits keyed by the secret, so nobody can guess it, and the same for every
// retry of the same stored mail, so a retry finds what the first run made.
func AssignedMessageID(secret []byte, inboundID int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard-assigned-id\x00" + strconv.FormatInt(inboundID, 10)))
	return hex.EncodeToString(m.Sum(nil))[:32] + "@" + assignedDomain
}

// IsAssignedMessageID reports whether id is one we assigned. A reply that
// names such an id never threads by it: the id was never sent to anybody, so
// knowing it proves nothing.
func IsAssignedMessageID(id string) bool {
	id = strings.ToLower(id)
	return strings.HasSuffix(id, "@"+assignedDomain) || strings.HasSuffix(id, "@switchboard.invalid")
}
