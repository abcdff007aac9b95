package auth

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type clientIPKey struct{}

// WithClientIP stores the request's real client address (see
// ResolveClientIP) for ClientIP.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP is the request's client address without port: the one the
// server's first middleware resolved, else the connection's peer. Sign-in
// throttling, devices, audit and threat detection all key on it.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok && ip != "" {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ResolveClientIP finds the real client behind trusted proxies. Headers
// are believed only when the connection comes from a trusted proxy (a
// client cannot forge its way past throttling otherwise); the forwarded
// chain is then read from the right, skipping trusted hops, and the first
// untrusted address is the client. Forwarded (RFC 7239) wins over
// X-Forwarded-For when both are present.
func ResolveClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerIP(r)
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	hops := forwardedFor(r.Header)
	last := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(hops[i])
		if err != nil {
			return last // "unknown" or obfuscated: the last hop we could read
		}
		ip = ip.Unmap()
		if !isTrustedAddr(ip, trusted) {
			return ip.String()
		}
		last = ip.String()
	}
	return last
}

func isTrusted(host string, trusted []netip.Prefix) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && isTrustedAddr(ip.Unmap(), trusted)
}

func isTrustedAddr(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedFor lists the client chain, leftmost (farthest) first.
func forwardedFor(h http.Header) []string {
	var out []string
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, elem := range strings.Split(strings.Join(fw, ","), ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, stripPort(strings.Trim(v, `"`)))
				}
			}
		}
		return out
	}
	for _, part := range strings.Split(strings.Join(h.Values("X-Forwarded-For"), ","), ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, stripPort(p))
		}
	}
	return out
}

// stripPort turns "[2001:db8::1]:4711", "192.0.2.1:80" and bare addresses
// into the bare address.
func stripPort(s string) string {
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return s
	}
	if strings.Count(s, ":") == 1 {
		host, _, _ := strings.Cut(s, ":")
		return host
	}
	return s
}
