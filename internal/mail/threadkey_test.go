package mail

import (
	"strings"
	"testing"
)

func TestReplyAddressRoundTrip(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	for _, n := range []int64{1, 42, 1042, 9_999_999_999} {
		addr := ReplyAddress(secret, "it", n, "helpdesk.example.com")
		if !strings.HasPrefix(addr, "it+") || !strings.HasSuffix(addr, "@helpdesk.example.com") {
			t.Fatalf("unexpected shape %q", addr)
		}
		for _, form := range []string{addr, strings.ToUpper(addr), "IT Desk <" + addr + ">", " " + addr + " "} {
			local, got, ok := ParseReplyAddress(secret, form, "Helpdesk.Example.com")
			if !ok || got != n || local != "it" {
				t.Errorf("ParseReplyAddress(%q) = %q, %d, %v; want it, %d, true", form, local, got, ok, n)
			}
		}
	}
}

func TestReplyAddressRejectsTampering(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	good := ReplyAddress(secret, "it", 1042, "helpdesk.example.com")
	at := strings.IndexByte(good, '@')
	tag := good[strings.LastIndexByte(good[:at], '.')+1 : at]
	flipped := []byte(tag)
	flipped[0] = map[bool]byte{true: 'b', false: 'a'}[flipped[0] == 'a']
	bad := []string{
		strings.Replace(good, "+1042.", "+1043.", 1),   // other ticket, same tag
		strings.Replace(good, tag, string(flipped), 1), // altered tag
		strings.Replace(good, "+1042.", "+01042.", 1),  // non-canonical number
		strings.Replace(good, "it+", "security+", 1),   // other local part
		strings.Replace(good, "helpdesk.example.com", "evil.example", 1),
		strings.Replace(good, tag, tag[:8], 1), // truncated tag
		"it+1042@helpdesk.example.com", "it@helpdesk.example.com", "", "@", "+.@helpdesk.example.com",
	}
	for _, a := range bad {
		if _, _, ok := ParseReplyAddress(secret, a, "helpdesk.example.com"); ok {
			t.Errorf("accepted tampered address %q", a)
		}
	}
	if _, _, ok := ParseReplyAddress([]byte("other"), good, "helpdesk.example.com"); ok {
		t.Error("accepted address signed with another secret")
	}
}

func TestSubjectTicketNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject string
		want    int64
		ok      bool
	}{
		{"[#1042] VPN down", 1042, true},
		{"Re: AW: Fwd: [#1042] VPN down", 1042, true},
		{"RE: VPN down [#7]", 7, true},
		{"WG: [ # 15 ] Drucker", 15, true},
		{"[EXTERNAL] Re: [#99] x", 99, true},
		{"VPN down #1042", 0, false},
		{"[1042] VPN", 0, false},
		{"[#0] zero", 0, false},
		{"[#99999999999999999999] overflow", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		n, ok := SubjectTicketNumber(tt.subject)
		if n != tt.want || ok != tt.ok {
			t.Errorf("SubjectTicketNumber(%q) = %d, %v; want %d, %v", tt.subject, n, ok, tt.want, tt.ok)
		}
	}
}

func TestCleanSubject(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Re: AW: Fwd: [#1042] VPN down": "VPN down",
		"RE[2]: WG: Drucker defekt":     "Drucker defekt",
		"SV: VS: Tulostin":              "Tulostin",
		"Fw: TR: RE : question [#5]":    "question",
		"Re: Re: Re:":                   "",
		"Regarding the printer":         "Regarding the printer",
		"Aware of outage":               "Aware of outage",
		"  [#1]   spaced    out  ":      "spaced out",
	}
	for in, want := range tests {
		if got := CleanSubject(in); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecipientReplyAddress(t *testing.T) {
	t.Parallel()
	secret := []byte("k")
	a := RecipientReplyAddress(secret, "IT", 1042, "Agent@Example.com", "helpdesk.example.com")
	if _, n, ok := ParseReplyAddress(secret, a, "helpdesk.example.com"); !ok || n != 1042 {
		t.Fatalf("ParseReplyAddress(%q) = %d, %v", a, n, ok)
	}
	if !IsRecipientReplyAddress(secret, "Agent <"+strings.ToUpper(a)+">", "helpdesk.example.com", "agent@example.com") {
		t.Errorf("%q not recognised as agent@example.com's", a)
	}
	for _, other := range []string{"boss@example.com", ""} {
		if IsRecipientReplyAddress(secret, a, "helpdesk.example.com", other) {
			t.Errorf("%q accepted for %q", a, other)
		}
	}
	if IsRecipientReplyAddress(secret, ReplyAddress(secret, "it", 1042, "helpdesk.example.com"), "helpdesk.example.com", "agent@example.com") {
		t.Error("the ticket's shared reply address counted as a per-recipient one")
	}
	if !replyAddrRe.MatchString("bounce for <" + a + ">") {
		t.Error("replyAddrRe misses a per-recipient address")
	}
}

func TestBounceAddress(t *testing.T) {
	secret := []byte("verp-secret")
	a := BounceAddress(secret, 4711, "Help.Example")
	if id, ok := ParseBounceAddress(secret, "<"+strings.ToUpper(a)+">", "help.example"); !ok || id != 4711 {
		t.Fatalf("%s: id %d ok %v", a, id, ok)
	}
	for _, bad := range []string{strings.Replace(a, "4711", "4712", 1), strings.Replace(a, "-", "-x", 1), "bounces+4711@help.example",
		strings.Replace(a, "help.example", "other.example", 1)} {
		if _, ok := ParseBounceAddress(secret, bad, "help.example"); ok {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, _, ok := ParseReplyAddress(secret, a, "help.example"); ok {
		t.Error("a return path parses as a reply address")
	}
	if _, ok := ParseBounceAddress([]byte("other"), a, "help.example"); ok {
		t.Error("another secret's return path accepted")
	}
}
