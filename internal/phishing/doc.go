// Package phishing analyses mail that employees report as phishing, groups
// the reports of one campaign, and computes the awareness figures the
// security team reads.
//
// The analysis (FindSuspect, Analyse) is pure: it reads bytes and never
// fetches a link or an image, so a reported mail cannot call back to the
// attacker; the only network use is an optional DKIM key lookup through the
// Resolver it is given. Every finding carries its evidence and a weight; the
// verdict and the plain-words reasons are derived from the findings, and the
// security team can overrule the verdict.
package phishing
