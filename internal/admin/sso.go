package admin

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// SSOInput is the single sign-on form as typed.
type SSOInput struct {
	Enabled      bool
	Issuer       string
	ClientID     string
	ClientSecret string // empty keeps the stored one
	Domains      string // comma- or space-separated
	Claim        string
	RoleMap      string // lines "claim value = role"
	TeamMap      string // lines "claim value = team slug"
	JIT          bool
	Only         bool
	BreakGlass   string
}

// SSO returns the stored settings (admins only); the secret stays sealed.
func (s *Service) SSO(ctx context.Context, actor *helpdesk.User) (auth.SSOSettings, error) {
	if err := requireAdmin(actor); err != nil {
		return auth.SSOSettings{}, err
	}
	return (&auth.SSO{DB: s.db}).Settings(ctx)
}

// SaveSSO validates and stores the SSO settings, audited (the secret only
// as "changed"). When enabled, the issuer's discovery document must load,
// so a typo shows here rather than at everyone's next sign-in.
func (s *Service) SaveSSO(ctx context.Context, actor *helpdesk.User, in SSOInput) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	set := auth.SSOSettings{Enabled: in.Enabled, Issuer: strings.TrimRight(strings.TrimSpace(in.Issuer), "/"),
		ClientID: strings.TrimSpace(in.ClientID), Claim: strings.TrimSpace(in.Claim), JIT: in.JIT, Only: in.Only,
		BreakGlass: strings.TrimSpace(in.BreakGlass), RoleMap: map[string]helpdesk.Role{}, TeamMap: map[string]string{}}
	if set.Issuer != "" && !issuerOK(set.Issuer) {
		v.Add("issuer", "Enter the provider's https:// issuer URL (plain http only on this machine).")
	}
	if set.Enabled && set.Issuer == "" {
		v.Add("issuer", "Enter the issuer URL.")
	}
	if set.Enabled && set.ClientID == "" {
		v.Add("client_id", "Enter the client id registered at the provider.")
	}
	for _, d := range strings.FieldsFunc(in.Domains, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.ContainsAny(d, "/:@") || !strings.Contains(d, ".") && d != "localhost" {
			v.Add("domains", "List domains like example.com, separated by commas.")
			break
		}
		set.Domains = append(set.Domains, d)
	}
	roleLines, ok := mapLines(in.RoleMap)
	if !ok {
		v.Add("role_map", "Write one mapping per line: claim value = role.")
	}
	for k, r := range roleLines {
		if !helpdesk.Role(r).Valid() {
			v.Add("role_map", "Role must be one of requester, agent, lead, admin.")
			break
		}
		set.RoleMap[k] = helpdesk.Role(r)
	}
	teamLines, ok := mapLines(in.TeamMap)
	if !ok {
		v.Add("team_map", "Write one mapping per line: claim value = team slug.")
	}
	set.TeamMap = teamLines
	if (len(set.RoleMap) > 0 || len(set.TeamMap) > 0) && set.Claim == "" {
		v.Add("claim", "Name the claim the mappings read, for example groups.")
	}
	if set.Only && set.BreakGlass == "" {
		v.Add("break_glass", "Name a break-glass admin who can still sign in with a password if the provider is down.")
	}
	for slug := range set.TeamMap {
		if _, err := s.db.TeamBySlug(ctx, set.TeamMap[slug]); err != nil {
			v.Add("team_map", "No team with slug "+set.TeamMap[slug]+".")
			break
		}
	}
	if set.BreakGlass != "" {
		u, hash, err := s.db.UserCredentials(ctx, set.BreakGlass)
		if err != nil || !u.Active || u.Role != helpdesk.RoleAdmin || hash == "" {
			v.Add("break_glass", "The break-glass account must be an active admin with a password.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if set.Enabled && s.opts.DiscoverSSO != nil {
		if err := s.opts.DiscoverSSO(ctx, set.Issuer); err != nil {
			v.Add("issuer", "The provider's discovery document (/.well-known/openid-configuration) could not be loaded from this issuer.")
			return v.Err()
		}
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		raw, err := tx.SettingTx(ctx, auth.SettingSSO)
		if err != nil {
			return err
		}
		var before auth.SSOSettings
		if raw != nil {
			_ = json.Unmarshal(raw, &before)
		}
		set.SecretSealed = before.SecretSealed
		changed := "unchanged"
		if in.ClientSecret != "" {
			if set.SecretSealed, err = auth.Seal(s.secret, "sso-client-secret", in.ClientSecret); err != nil {
				return err
			}
			changed = "changed"
		}
		b, err := json.Marshal(set)
		if err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, auth.SettingSSO, b); err != nil {
			return err
		}
		before.SecretSealed, set.SecretSealed = nil, nil
		return audit(ctx, tx, actor, "setting", auth.SettingSSO, "update", before,
			map[string]any{"settings": set, "client_secret": changed})
	})
}

// issuerOK accepts https URLs, and http only for loopback hosts (a
// provider on the same machine, as in tests).
func issuerOK(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

// mapLines reads "key = value" lines; blank lines are skipped.
func mapLines(s string) (map[string]string, bool) {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return out, false
		}
		out[k] = v
	}
	return out, true
}
