package phishing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"switchboard/internal/helpdesk"
)

// Describe types one attachment by content and hashes it.
func Describe(p Part) AttachmentInfo {
	sum := sha256.Sum256(p.Data)
	return AttachmentInfo{Filename: p.Filename, RealType: sniff(p.Data), Size: len(p.Data), SHA256: hex.EncodeToString(sum[:])}
}

// Address is the phishing-reports address employees forward to, or "".
func (s *Service) Address(ctx context.Context) (string, error) {
	local, err := s.DB.PhishAddress(ctx)
	if err != nil || local == "" || len(s.OrgDomains) == 0 {
		return "", err
	}
	return local + "@" + s.OrgDomains[0], nil
}

// Figures are the awareness figures since a time; security team only.
func (s *Service) Figures(ctx context.Context, viewer *helpdesk.User, since time.Time) (*helpdesk.PhishFigures, error) {
	if ok, err := s.IsSecurity(ctx, viewer); err != nil || !ok {
		return nil, notFoundOr(err)
	}
	return s.DB.PhishFigures(ctx, since)
}
