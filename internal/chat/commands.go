package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// HelpText lists the commands; it shows no data, so unlinked people get it.
const HelpText = "*/it* commands:\n" +
	"• `/it new <what is wrong>` file a ticket (replies in its thread reach IT)\n" +
	"• `/it status [#N]` · `/it mine` your open tickets\n" +
	"• `/it link` link your chat account to Switchboard · `/it unlink`\n" +
	"IT staff: `/it take #N` · `/it ack #N` · `/it assign #N @person` · `/it priority #N P1` · `/it note #N text` · " +
	"`/it resolve #N` · `/it link #N #parent` · `/it oncall`"

// HowTo is what an unlinked person gets instead of data.
func HowTo(connector string) string {
	return "Your " + Label(connector) + " account is not linked to Switchboard yet, so I cannot show or change tickets for you. " +
		"Type `/it link`, open the link I send you while signed in to Switchboard, and confirm. Then try again."
}

// staffOnly lists the commands only IT staff may use.
var staffOnly = map[string]bool{"take": true, "ack": true, "assign": true, "priority": true, "note": true, "oncall": true}

// Command runs one "/it …" command for the person who typed it.
func (s *Service) Command(ctx context.Context, req Request) Reply {
	args := strings.Fields(req.Text)
	verb := "help"
	if len(args) > 0 {
		verb = strings.ToLower(args[0])
		args = args[1:]
	}
	switch {
	case verb == "help":
		return Reply{Text: HelpText}
	case verb == "link" && len(args) == 0:
		u, err := s.OfferLink(ctx, req.User)
		if err != nil {
			return s.failed(err)
		}
		return Reply{Text: "Open this link while signed in to Switchboard and confirm, within 30 minutes (it works once): " + u}
	case verb == "unlink":
		if err := s.DB.UnlinkChatUser(ctx, req.User); err != nil {
			return s.failed(err)
		}
		return Reply{Text: "Your " + Label(req.User.Connector) + " account is no longer linked to Switchboard."}
	}
	user, err := s.DB.ChatLinkedUser(ctx, req.User)
	if postgres.IsNotFound(err) {
		return Reply{Text: HowTo(req.User.Connector)}
	} else if err != nil {
		return s.failed(err)
	}
	if !user.Active {
		return Reply{Text: "Your Switchboard account is deactivated."}
	}
	if staffOnly[verb] || (verb == "link" && len(args) > 0) {
		if !user.IsStaff() {
			return Reply{Text: "Only IT staff can use `/it " + verb + "`."}
		}
	}
	ctx = ticket.WithVia(ctx, via(req.User))
	c := cmd{s: s, req: req, user: user, args: args}
	switch verb {
	case "new":
		return c.newTicket(ctx, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.Text), args0(req.Text))))
	case "status":
		return c.status(ctx)
	case "mine":
		return c.mine(ctx)
	case "take":
		return c.change(ctx, "take", ticket.Changes{Assignee: &user.Email})
	case "ack":
		n, ok := c.number(ctx)
		if !ok {
			return Reply{Text: "Which ticket? `/it ack #N`."}
		}
		return s.ack(ctx, req, user, n)
	case "assign":
		return c.assign(ctx)
	case "priority":
		return c.priority(ctx)
	case "note":
		return c.note(ctx)
	case "resolve":
		return c.resolve(ctx)
	case "link":
		return c.link(ctx)
	case "oncall":
		return s.oncall(ctx)
	}
	return Reply{Text: "I do not know `" + verb + "`.\n" + HelpText}
}

// args0 is the first word of text (the verb), to cut it off the raw text
// while keeping the rest's line breaks.
func args0(text string) string {
	f := strings.Fields(text)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// cmd is one command being run.
type cmd struct {
	s    *Service
	req  Request
	user *helpdesk.User
	args []string
}

// number takes the ticket number from the first argument ("#12" or "12"),
// or from the thread the command was written in.
func (c *cmd) number(ctx context.Context) (int64, bool) {
	if len(c.args) > 0 {
		if n, err := strconv.ParseInt(strings.TrimPrefix(c.args[0], "#"), 10, 64); err == nil && n > 0 {
			c.args = c.args[1:]
			return n, true
		}
	}
	if c.req.Thread != "" {
		th, err := c.s.DB.ChatThreadByRef(ctx, c.req.User.Connector, c.req.Channel, c.req.Thread)
		if err == nil {
			if n, err := c.s.DB.TicketNumberOf(ctx, th.TicketID); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

func (s *Service) failed(err error) Reply {
	var he *helpdesk.Error
	if errors.As(err, &he) {
		switch he.Code {
		case helpdesk.ENOTFOUND:
			return Reply{Text: "No such ticket that you can see."}
		case helpdesk.EINVALID:
			msgs := []string{}
			for _, f := range he.Fields {
				msgs = append(msgs, f.Message)
			}
			if len(msgs) == 0 {
				msgs = append(msgs, he.Message)
			}
			return Reply{Text: strings.Join(msgs, " ")}
		case helpdesk.EFORBIDDEN, helpdesk.ECONFLICT, helpdesk.EUNAUTH:
			return Reply{Text: he.Message}
		}
	}
	s.Log.Error("chat command", "err", err)
	return Reply{Text: "Something went wrong on our side; please try again or use the web page."}
}

// subjectOf makes a subject from free text: its first line, at most 80
// characters, cut at a word.
func subjectOf(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= 80 {
		return line
	}
	r := []rune(line)[:80]
	cut := string(r)
	if i := strings.LastIndex(cut, " "); i > 40 {
		cut = cut[:i]
	}
	return cut + "…"
}

func (c *cmd) newTicket(ctx context.Context, text string) Reply {
	if text == "" {
		return Reply{Text: "Say what is wrong: `/it new The VPN drops every few minutes`."}
	}
	t, err := c.s.file(ctx, c.req, c.user, ticket.CreateInput{Subject: subjectOf(text), Description: text})
	if err != nil {
		return c.s.failed(err)
	}
	return c.s.filed(t)
}

func (s *Service) filed(t *helpdesk.Ticket) Reply {
	return Reply{Text: fmt.Sprintf("Filed *#%d* %s. Follow it in the thread below or at %s", t.Number, t.Subject,
		s.ticketURL(t.Number, false))}
}

// NewTicket files a ticket from a form in chat (Slack's modal, with the
// portal form's fields). A validation problem comes back by field name
// (subject, description, urgency, impact) with nothing filed.
func (s *Service) NewTicket(ctx context.Context, req Request, in ticket.CreateInput) (Reply, map[string]string) {
	user, err := s.DB.ChatLinkedUser(ctx, req.User)
	if postgres.IsNotFound(err) {
		return Reply{Text: HowTo(req.User.Connector)}, nil
	} else if err != nil {
		return s.failed(err), nil
	}
	ctx = ticket.WithVia(ctx, via(req.User))
	t, err := s.file(ctx, req, user, in)
	var he *helpdesk.Error
	if errors.As(err, &he) && he.Code == helpdesk.EINVALID && len(he.Fields) > 0 {
		out := map[string]string{}
		for _, f := range he.Fields {
			out[f.Field] = f.Message
		}
		return Reply{}, out
	} else if err != nil {
		return s.failed(err), nil
	}
	return s.filed(t), nil
}

// file creates the ticket and, in the same transaction, the requester's
// thread in the channel it was asked from.
func (s *Service) file(ctx context.Context, req Request, user *helpdesk.User, in ticket.CreateInput) (*helpdesk.Ticket, error) {
	in.Source = helpdesk.Source(req.User.Connector)
	in.AfterInsert = func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
		if err := tx.SetCreatedReason(ctx, t.ID, via(req.User)); err != nil {
			return err
		}
		if req.Channel == "" {
			return nil
		}
		// The requester follows the ticket where they opened it: a
		// thread whose replies go both ways.
		thread := &helpdesk.ChatDelivery{Connector: req.User.Connector, IdemKey: fmt.Sprintf("thread:%d", t.ID),
			TicketID: &t.ID, Action: "post", Channel: req.Channel, Bind: helpdesk.ChatThreadRequester}
		return s.enqueueTx(ctx, tx, thread, Message{Text: fmt.Sprintf("*#%d* %s, filed by %s. "+
			"Replies in this thread reach IT, and IT's answers appear here.", t.Number, t.Subject, mention(req.User))})
	}
	return s.Tickets.Create(ctx, user, in)
}

// mention names a chat user in a message.
func mention(cu helpdesk.ChatUser) string {
	if cu.Connector == "slack" {
		return "<@" + cu.ID + ">"
	}
	if cu.Name != "" {
		return "@" + strings.TrimPrefix(cu.Name, "@")
	}
	return cu.ID
}

// describe is a ticket in one line, for someone allowed to see it.
func describe(t *helpdesk.Ticket) string {
	who := "unassigned"
	if t.AssigneeName != "" {
		who = "with " + t.AssigneeName
	}
	team := ""
	if t.TeamName != "" {
		team = " · " + t.TeamName
	}
	return fmt.Sprintf("*#%d* %s — %s · %s · %s%s", t.Number, t.Subject, t.Status.Label(), t.Priority, who, team)
}

func (c *cmd) status(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	if !ok {
		return c.mine(ctx)
	}
	t, err := c.s.Tickets.Get(ctx, c.user, n)
	if err != nil {
		return c.s.failed(err)
	}
	return Reply{Text: describe(t) + "\n" + c.s.ticketURL(t.Number, c.user.IsStaff())}
}

func (c *cmd) mine(ctx context.Context) Reply {
	f := postgres.TicketFilter{Viewer: c.user, OpenOnly: true, Sort: postgres.SortUpdated, Limit: 10}
	if c.user.IsStaff() {
		f.RequesterIDs = []int64{c.user.ID}
	}
	page, err := c.s.DB.ListTickets(ctx, f)
	if err != nil {
		return c.s.failed(err)
	}
	if len(page.Tickets) == 0 {
		return Reply{Text: "You have no open tickets."}
	}
	lines := []string{"Your open tickets:"}
	for i := range page.Tickets {
		lines = append(lines, "• "+describe(&page.Tickets[i]))
	}
	return Reply{Text: strings.Join(lines, "\n")}
}

// change applies field changes to the ticket named by the command.
func (c *cmd) change(ctx context.Context, what string, ch ticket.Changes) Reply {
	n, ok := c.number(ctx)
	if !ok {
		return Reply{Text: "Which ticket? `/it " + what + " #12`"}
	}
	t, err := c.s.Tickets.Update(ctx, c.user, n, ch)
	if err != nil {
		return c.s.failed(err)
	}
	return Reply{Text: "Done: " + describe(t)}
}

func (c *cmd) assign(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	if !ok || len(c.args) == 0 {
		return Reply{Text: "Usage: `/it assign #12 @person` (a linked chat account, or an email address)."}
	}
	who := c.args[0]
	email, err := c.s.resolvePerson(ctx, c.req.User, c.user, who)
	if err != nil {
		return Reply{Text: err.Error()}
	}
	c.args = []string{strconv.FormatInt(n, 10)}
	return c.change(ctx, "assign", ticket.Changes{Assignee: &email})
}

// resolvePerson turns "@person" as a chat system writes it (Slack
// "<@U123|ana>"), "me" or an email address into a Switchboard email.
func (s *Service) resolvePerson(ctx context.Context, asker helpdesk.ChatUser, me *helpdesk.User, who string) (string, error) {
	switch {
	case strings.EqualFold(who, "me"):
		return me.Email, nil
	case strings.Contains(who, "@") && !strings.HasPrefix(who, "@") && !strings.HasPrefix(who, "<@"):
		return who, nil
	}
	id := strings.TrimSuffix(strings.TrimPrefix(who, "<@"), ">")
	id, _, _ = strings.Cut(id, "|")
	id = strings.TrimPrefix(id, "@")
	if asker.Connector == "matrix" {
		// Matrix user ids keep their sigil: @ana:example.org.
		id = "@" + id
	}
	u, err := s.DB.ChatLinkedUser(ctx, helpdesk.ChatUser{Connector: asker.Connector, Workspace: asker.Workspace, ID: id})
	if postgres.IsNotFound(err) {
		u, err = s.DB.ChatLinkedUserByName(ctx, asker.Connector, asker.Workspace, id)
	}
	if err != nil {
		return "", fmt.Errorf("%s has not linked their %s account to Switchboard; use their email address", who, Label(asker.Connector))
	}
	return u.Email, nil
}

func (c *cmd) priority(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	if !ok || len(c.args) == 0 {
		return Reply{Text: "Usage: `/it priority #12 P1`"}
	}
	p := helpdesk.Priority(strings.ToUpper(c.args[0]))
	c.args = []string{strconv.FormatInt(n, 10)}
	return c.change(ctx, "priority", ticket.Changes{Priority: &p})
}

func (c *cmd) note(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	body := strings.TrimSpace(strings.Join(c.args, " "))
	if !ok || body == "" {
		return Reply{Text: "Usage: `/it note #12 what you found`"}
	}
	if _, err := c.s.Tickets.AddMessage(ctx, c.user, n, ticket.MessageInput{Body: body, Internal: true,
		Source: helpdesk.Source(c.req.User.Connector)}); err != nil {
		return c.s.failed(err)
	}
	return Reply{Text: fmt.Sprintf("Internal note added to *#%d*.", n)}
}

func (c *cmd) resolve(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	if !ok {
		return Reply{Text: "Which ticket? `/it resolve #12`"}
	}
	t, err := c.s.Tickets.SetStatus(ctx, c.user, n, helpdesk.StatusResolved, "")
	if err != nil {
		return c.s.failed(err)
	}
	return Reply{Text: "Resolved: " + describe(t)}
}

func (c *cmd) link(ctx context.Context) Reply {
	n, ok := c.number(ctx)
	var parent int64
	if len(c.args) > 0 {
		parent, _ = strconv.ParseInt(strings.TrimPrefix(c.args[0], "#"), 10, 64)
	}
	if !ok || parent == 0 {
		return Reply{Text: "Usage: `/it link #12 #7` makes #12 part of incident #7."}
	}
	if err := c.s.Tickets.Link(ctx, c.user, n, parent); err != nil {
		return c.s.failed(err)
	}
	return Reply{Text: fmt.Sprintf("Linked *#%d* under *#%d*.", n, parent)}
}
