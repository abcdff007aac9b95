package slack

import (
	"context"

	"github.com/slack-go/slack"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// newTicketCallback names the new-ticket modal.
const newTicketCallback = "switchboard_new_ticket"

// Block ids are the portal form's field names, so validation errors land
// on the right field.
const (
	blockSubject     = "subject"
	blockDescription = "description"
	blockUrgency     = "urgency"
	blockImpact      = "impact"
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func options(pairs ...string) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, slack.NewOptionBlockObject(pairs[i], plain(pairs[i+1]), nil))
	}
	return out
}

// openNewTicket opens the new-ticket modal ("/it new" without text), with
// the portal form's fields. Unlinked people get the how-to instead.
func (c *Connector) openNewTicket(ctx context.Context, req chat.Request, trigger string) (string, bool) {
	if _, err := c.Chat.LinkedUser(ctx, req.User); err != nil {
		return chat.HowTo(req.User.Connector), false
	}
	api, err := c.client(ctx)
	if err != nil {
		return "", false
	}
	desc := slack.NewPlainTextInputBlockElement(nil, "value")
	desc.Multiline = true
	urgency := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "value",
		options("low", "Low", "medium", "Medium", "high", "High", "critical", "Critical")...)
	urgency.InitialOption = slack.NewOptionBlockObject("medium", plain("Medium"), nil)
	impact := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "value",
		options("person", "Only me", "team", "My team", "department", "My department", "organisation", "Everyone")...)
	impact.InitialOption = slack.NewOptionBlockObject("person", plain("Only me"), nil)
	view := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("New IT ticket"), Submit: plain("File ticket"),
		Close: plain("Cancel"), CallbackID: newTicketCallback, PrivateMetadata: req.Channel,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockSubject, plain("Subject"), nil, slack.NewPlainTextInputBlockElement(nil, "value")),
			slack.NewInputBlock(blockDescription, plain("Description"), nil, desc),
			slack.NewInputBlock(blockUrgency, plain("Urgency"), nil, urgency),
			slack.NewInputBlock(blockImpact, plain("Who is affected?"), nil, impact),
		}}}
	if _, err := api.OpenViewContext(ctx, trigger, view); err != nil {
		c.Log.Warn("slack views.open", "err", err)
		return "", false
	}
	return "", true
}

// submitNewTicket files the modal's ticket; it returns errors by block id
// for Slack to show next to the fields.
func (c *Connector) submitNewTicket(ctx context.Context, user helpdesk.ChatUser, v slack.View) map[string]string {
	val := func(block string) string {
		a := v.State.Values[block]["value"]
		if a.SelectedOption.Value != "" {
			return a.SelectedOption.Value
		}
		return a.Value
	}
	req := chat.Request{User: user, Channel: v.PrivateMetadata}
	reply, errs := c.Chat.NewTicket(ctx, req, ticket.CreateInput{Subject: val(blockSubject), Description: val(blockDescription),
		Urgency: helpdesk.Urgency(val(blockUrgency)), Impact: helpdesk.Impact(val(blockImpact))})
	if len(errs) > 0 {
		return errs
	}
	if reply.Text != "" && req.Channel != "" {
		c.ephemeral(ctx, req.Channel, "", user.ID, reply.Text)
	}
	return nil
}
