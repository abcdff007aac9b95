package web

import (
	"encoding/base64"
	"strconv"
)

// PasskeyID is a credential id as it appears in URLs.
func PasskeyID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

func itoa(n int) string { return strconv.Itoa(n) }
