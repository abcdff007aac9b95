// Package intake is email in: the SMTP listener and IMAP poller commit each
// raw mail before answering (so a mail answered 250 is never lost), the node
// that accepted it processes it at once (Dispatcher; River jobs for mail that
// must wait or be retried, and the Sweeper for mail a dead node left queued),
// and processing parses and classifies it with internal/mail, threads it
// onto a ticket or opens one, and records the outcome, each mail in one
// transaction.
package intake
