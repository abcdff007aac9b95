package admin

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
)

// MailTrust returns the sender-trust setup in force (admins only): the
// saved settings, or the environment's defaults (TrustDefaults) when none
// were saved; saved says which.
func (s *Service) MailTrust(ctx context.Context, actor *helpdesk.User) (set helpdesk.MailTrustSettings, saved bool, err error) {
	if err := requireAdmin(actor); err != nil {
		return set, false, err
	}
	set, saved, err = s.db.MailTrustSettings(ctx)
	if err != nil || !saved {
		return s.opts.TrustDefaults, false, err
	}
	return set, true, nil
}

// SetMailTrust validates the sender-trust form (fields authserv_ids,
// org_domains, relays: comma- or line-separated) and saves it, audited,
// replacing the environment's values (admins only). Nothing is saved
// unless every field is right.
func (s *Service) SetMailTrust(ctx context.Context, actor *helpdesk.User, f url.Values) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	set := helpdesk.MailTrustSettings{AuthServIDs: []string{}, OrgDomains: []string{}, Relays: []string{}}
	for _, id := range splitList(f.Get("authserv_ids"), true) {
		if strings.ContainsAny(id, " ;/@\t") || !strings.Contains(id, ".") || len(id) > 253 {
			v.Add("authserv_ids", fmt.Sprintf("%q is not an authserv-id; write the host name your mail server puts first in Authentication-Results, like mx.example.com.", id))
			break
		}
		set.AuthServIDs = append(set.AuthServIDs, id)
	}
	for _, d := range splitList(f.Get("org_domains"), true) {
		d = strings.TrimPrefix(d, "@")
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " /@;") || len(d) > 253 {
			v.Add("org_domains", fmt.Sprintf("%q is not a domain; write it like example.com.", d))
			break
		}
		set.OrgDomains = append(set.OrgDomains, d)
	}
	for _, r := range splitList(f.Get("relays"), false) {
		n, err := intake.ParseRelay(r)
		if err != nil {
			v.Add("relays", fmt.Sprintf("%q is not an address or CIDR; write it like 192.0.2.10 or 10.0.0.0/8.", r))
			break
		}
		if ones, _ := n.Mask.Size(); ones == 0 {
			// Trusting every client would let anyone write the verdict.
			v.Add("relays", fmt.Sprintf("%q trusts the whole internet; list only your mail servers.", r))
			break
		}
		set.Relays = append(set.Relays, n.String())
	}
	if len(set.Relays) > 0 && len(set.AuthServIDs) == 0 && !v.Has("authserv_ids") {
		v.Add("authserv_ids", "Name the authserv-id those relays write; without one their results are not believed.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.db.SaveMailTrustSettings(ctx, actor.ID, set); err != nil {
		return err
	}
	if s.opts.MailTrustChanged != nil {
		s.opts.MailTrustChanged()
	}
	return nil
}
