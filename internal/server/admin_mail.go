package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/admin"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// mailForms are the forms of the mail page; nil ones start fresh.
type mailForms struct {
	address, mailbox, policy *web.Form
	testID                   int64
	testMsg                  string
	testOK                   bool
}

func (s *Server) renderMail(w http.ResponseWriter, r *http.Request, f mailForms) error {
	u := CurrentUser(r.Context())
	mc, err := s.Admin.Mail(r.Context(), u)
	if err != nil {
		return err
	}
	teams, err := s.teamOptions(r)
	if err != nil {
		return err
	}
	cats, err := s.Admin.Categories(r.Context(), u)
	if err != nil {
		return err
	}
	v := web.AdminMailPage{Page: s.adminPage(r, "Mail"), Addresses: mc.Addresses, Mailboxes: mc.Mailboxes, Outbox: mc.Outbox,
		Domain: s.Config.MailDomain, Teams: teams, TestResult: map[int64]string{}, TestOK: map[int64]bool{}}
	for _, c := range cats {
		v.Categories = append(v.Categories, web.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name})
	}
	v.NewAddress = formOr(f.address, nil)
	v.NewMailbox = formOr(f.mailbox, url.Values{"mb_port": {"993"}, "mb_tls": {"on"}, "mb_folder": {"INBOX"}})
	v.Policy = formOr(f.policy, url.Values{"policy_mode": {mc.Policy.Mode}, "policy_domains": {strings.Join(mc.Policy.Domains, ", ")}})
	if f.testID != 0 {
		v.TestResult[f.testID], v.TestOK[f.testID] = f.testMsg, f.testOK
	}
	if v.Inbound, err = s.inboundLists(r); err != nil {
		return err
	}
	s.render(w, r, status422(v.NewAddress, v.NewMailbox, v.Policy), web.AdminMail(v))
	return nil
}

func (s *Server) adminMail(w http.ResponseWriter, r *http.Request) error {
	return s.renderMail(w, r, mailForms{})
}

func (s *Server) adminAddAddress(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	in := admin.IntakeInput{LocalPart: r.PostForm.Get("local_part"), TeamID: r.PostForm.Get("address_team"),
		CategoryID: r.PostForm.Get("address_category"), Phishing: r.PostForm.Get("phishing") == "1"}
	err := s.Admin.AddIntakeAddress(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderMail(w, r, mailForms{address: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#addresses", "Address added.")
	return nil
}

// adminPhishingAddress is POST /admin/mail/addresses/{id}/phishing: mark or
// unmark an address as "phishing reports".
func (s *Server) adminPhishingAddress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	on := r.PostFormValue("phishing") == "1"
	if err := s.Admin.SetIntakePhishing(r.Context(), CurrentUser(r.Context()), id, on); err != nil {
		return err
	}
	msg := "Mail to this address is no longer a phishing report."
	if on {
		msg = "Mail to this address is now a phishing report."
	}
	seeOther(w, r, "/admin/mail#addresses", msg)
	return nil
}

func (s *Server) adminDeleteAddress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Admin.DeleteIntakeAddress(r.Context(), CurrentUser(r.Context()), id); err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#addresses", "Address removed.")
	return nil
}

func (s *Server) adminAddMailbox(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	f := r.PostForm
	in := admin.MailboxForm{Name: f.Get("mb_name"), Host: f.Get("mb_host"), Port: f.Get("mb_port"), TLS: f.Get("mb_tls") == "on", AllowPrivate: f.Get("mb_allow_private") == "on",
		Username: f.Get("mb_username"), Password: f.Get("mb_password"), Folder: f.Get("mb_folder")}
	err := s.Admin.AddMailbox(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		f.Del("mb_password") // never echoed back
		form := web.NewForm(f, err)
		return s.renderMail(w, r, mailForms{mailbox: &form})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#mailboxes", "IMAP account added.")
	return nil
}

func (s *Server) adminDeleteMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Admin.DeleteMailbox(r.Context(), CurrentUser(r.Context()), id); err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#mailboxes", "IMAP account removed.")
	return nil
}

// adminTestMailbox tries the account now and shows the outcome next to it.
func (s *Server) adminTestMailbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Admin.TestMailbox(r.Context(), CurrentUser(r.Context()), id)
	f := mailForms{testID: id, testOK: err == nil, testMsg: "Connection works: signed in and opened the folder."}
	if err != nil {
		if !isInvalid(err) {
			return err
		}
		f.testMsg = helpdesk.ErrorMessage(err)
	}
	return s.renderMail(w, r, f)
}

func (s *Server) adminRetryOutbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Admin.RetryOutbox(r.Context(), CurrentUser(r.Context()), id)
	if isInvalid(err) {
		seeOther(w, r, "/admin/mail#outbox", helpdesk.ErrorMessage(err))
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#outbox", "Queued again.")
	return nil
}

func (s *Server) adminSetPolicy(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	err := s.Admin.SetSenderPolicy(r.Context(), CurrentUser(r.Context()), r.PostForm.Get("policy_mode"), r.PostForm.Get("policy_domains"))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderMail(w, r, mailForms{policy: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail#policy", "Policy saved.")
	return nil
}

// inboundLists are the Mail page's lists of mail that made no ticket.
var inboundLists = []web.InboundList{
	{Status: "ignored", Title: "Ignored mail", Hint: "Auto-replies, mailing lists and other robots: kept, never answered."},
	{Status: "refused", Title: "Refused mail", Hint: "Senders outside the allowed domains."},
	{Status: "failed", Title: "Failed mail", Hint: "Mail that could not be processed; the reason says why."},
	{Status: "bounce", Title: "Bounces", Hint: "Delivery reports for mail we sent."},
}

func (s *Server) inboundLists(r *http.Request) ([]web.InboundList, error) {
	out := make([]web.InboundList, 0, len(inboundLists))
	for _, l := range inboundLists {
		rows, err := s.mailStore().ListInbound(r.Context(), CurrentUser(r.Context()), l.Status, 50)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			l.Rows = append(l.Rows, web.InboundRow{ID: m.ID, ReceivedAt: m.ReceivedAt, Sender: m.Sender, Subject: m.Subject,
				Kind: m.Kind, Reason: m.Reason})
		}
		out = append(out, l)
	}
	return out, nil
}
