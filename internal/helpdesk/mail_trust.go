package helpdesk

// MailTrustSettings is the admin's sender-trust setup for mail intake. Once
// saved it replaces the environment's SWITCHBOARD_MAIL_AUTHSERV_IDS,
// _MAIL_ORG_DOMAINS and _MAIL_TRUSTED_RELAYS as a whole, so an emptied list
// means "none", not "the environment's".
type MailTrustSettings struct {
	// AuthServIDs are the upstream servers whose Authentication-Results
	// headers are believed.
	AuthServIDs []string `json:"authserv_ids"`
	// OrgDomains are the organisation's own mail domains (besides the mail
	// domain): mail claiming them must be verified.
	OrgDomains []string `json:"org_domains"`
	// Relays are the CIDRs of the SMTP clients that write those headers.
	Relays []string `json:"relays"`
}
