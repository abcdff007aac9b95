// Package intake is email in: the SMTP listener and IMAP poller store each raw
// mail with its processing job in one transaction (so a mail answered 250 is
// never lost), and the processing worker parses and classifies it with
// internal/mail, threads it onto a ticket or opens one, and records the
// outcome.
package intake
