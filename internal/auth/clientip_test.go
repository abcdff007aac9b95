package auth_test

import (
	"net/http"
	"net/netip"
	"testing"

	"switchboard/internal/auth"
)

// Forwarding headers count only from trusted proxies, read from the right.
func TestResolveClientIP(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		name, peer string
		headers    map[string]string
		want       string
	}{
		{"no proxy", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"forged from outside", "203.0.113.9:5000", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.9"},
		{"behind the proxy", "10.0.0.2:5000", map[string]string{"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"},
		{"client forges a hop", "10.0.0.2:5000", map[string]string{"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"two proxies", "10.0.0.2:5000", map[string]string{"X-Forwarded-For": "198.51.100.7, 10.0.0.9"}, "198.51.100.7"},
		{"forwarded wins", "10.0.0.2:5000", map[string]string{"Forwarded": `for="[2001:db8::17]:4711";proto=https, for=10.0.0.3`,
			"X-Forwarded-For": "1.2.3.4"}, "2001:db8::17"},
		{"forwarded with port", "10.0.0.2:5000", map[string]string{"Forwarded": "for=192.0.2.60:8080"}, "192.0.2.60"},
		{"unknown hop", "10.0.0.2:5000", map[string]string{"Forwarded": "for=unknown"}, "10.0.0.2"},
		{"proxy without header", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"ipv6 peer", "[::1]:5000", map[string]string{"X-Forwarded-For": "198.51.100.8"}, "198.51.100.8"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.peer
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		if got := auth.ResolveClientIP(r, trusted); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if got := auth.ResolveClientIP(r, nil); got != auth.ClientIP(r) {
			t.Errorf("%s: without trusted proxies %s, want the peer %s", tc.name, got, auth.ClientIP(r))
		}
	}
}
