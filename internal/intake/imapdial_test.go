package intake_test

import (
	"net/netip"
	"testing"

	"switchboard/internal/intake"
)

// Which addresses an IMAP account may reach, with and without the admin's
// "internal address" tick.
func TestCheckMailboxAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip             string
		plain, allowed bool
	}{
		{"93.184.216.34", true, true},
		{"2606:2800:220:1:248:1893:25c8:1946", true, true},
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.0.0.5", false, true},
		{"172.16.3.4", false, true},
		{"192.168.1.1", false, true},
		{"fd00::1", false, true},
		{"100.64.1.1", false, true},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"fe80::1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := intake.CheckMailboxAddr(ip, false) == nil; got != tc.plain {
			t.Errorf("%s without the tick: allowed=%v, want %v", tc.ip, got, tc.plain)
		}
		if got := intake.CheckMailboxAddr(ip, true) == nil; got != tc.allowed {
			t.Errorf("%s with the tick: allowed=%v, want %v", tc.ip, got, tc.allowed)
		}
	}
}
