package auth

import (
	"encoding/json"
	"fmt"
)

// stringsSerializer stores a session cookie's values as a JSON object of
// strings. gob, gorilla's default, builds a new decoder for every cookie and
// was the largest CPU cost of a signed-in page view; the cookie only ever
// holds the session id ("sid"). Cookies from before the change no longer
// decode, which signs their holders out once.
type stringsSerializer struct{}

func (stringsSerializer) Serialize(src any) ([]byte, error) {
	vals, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("session values: unexpected %T", src)
	}
	m := make(map[string]string, len(vals))
	for k, v := range vals {
		ks, ok1 := k.(string)
		vs, ok2 := v.(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("session values: only strings are stored, got %T: %T", k, v)
		}
		m[ks] = vs
	}
	return json.Marshal(m)
}

func (stringsSerializer) Deserialize(b []byte, dst any) error {
	p, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("session values: unexpected %T", dst)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if *p == nil {
		*p = make(map[any]any, len(m))
	}
	for k, v := range m {
		(*p)[k] = v
	}
	return nil
}
