package mail

import (
	"bytes"
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
	raw = headPrefix(raw)
	v, ok := plainMessageIDField(raw)
	if !ok {
		// The first field, as Parse and net/mail read it: a second one
		// (against RFC 5322) does not stand in for an empty first.
		hdr, _ := splitHeaderBody(normalizeInput(raw))
		v = first(parseHeaderBlock(hdr)["Message-Id"])
	}
	return boundedID(v)
}

// boundedID is the bare id a Message-ID field's value stores.
func boundedID(v string) string {
	id := strings.TrimSpace(first(parseIDs(v)))
	if len(id) > MaxIDLen {
		return ""
	}
	return id
}

// plainMessageIDField reads the Message-ID field of a plain header (the
// usual one) in one pass, without copying the mail or the other fields:
// the general reader (normalizeInput, parseHeaderBlock) was 7 % of the
// node's CPU with the 250 waiting on it. Plain means what net/mail reads
// the same way: every line a field whose name is a token, or its
// continuation, LF or CRLF line ends, a blank line to end it, at most one
// Message-ID. On anything else ok is false and the caller uses the
// general reader, which keeps reading mail that net/mail refuses.
func plainMessageIDField(raw []byte) (v string, ok bool) {
	var parts []string // the Message-ID field's lines
	ours, seen := false, false
	for top := true; ; top = false {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return "", false // no end of header in the prefix
		}
		line := bytes.TrimSuffix(raw[:i], []byte("\r"))
		raw = raw[i+1:]
		if bytes.IndexByte(line, '\r') >= 0 {
			return "", false // a CR-only line end: normalizeInput's case
		}
		if len(line) == 0 {
			if top {
				return "", false // a blank first line: the general reader reads on
			}
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if top {
				return "", false
			}
			if ours {
				parts = append(parts, string(bytes.Trim(line, " \t")))
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !tokenName(line[:colon]) {
			return "", false // also a BOM or an mbox "From " line
		}
		ours = len(line[:colon]) == len("Message-Id") && bytes.EqualFold(line[:colon], []byte("Message-Id"))
		if ours {
			if seen {
				return "", false
			}
			seen = true
			parts = append(parts, string(bytes.Trim(line[colon+1:], " \t")))
		}
	}
	return strings.Join(parts, " "), true
}

// tokenName reports whether a field name is an RFC 7230 token, the names
// net/textproto canonicalises (and so matches case-insensitively).
func tokenName(name []byte) bool {
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
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
