package kb

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// AddFile attaches a file or image to an article (staff only) and returns
// its id; Markdown then links it as /help/articles/{id}/files/{file}.
func (s *Service) AddFile(ctx context.Context, actor *helpdesk.User, articleID int64, filename string, data []byte) (int64, error) {
	if err := mayWrite(actor); err != nil {
		return 0, err
	}
	if _, err := s.Article(ctx, actor, articleID); err != nil {
		return 0, err
	}
	limit := s.MaxFile
	if limit <= 0 {
		limit = 25 << 20
	}
	var v helpdesk.Validation
	if len(data) == 0 {
		v.Add("file", "Choose a file.")
	} else if int64(len(data)) > limit {
		v.Add("file", "The file is larger than the limit.")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return s.DB.KBAddFile(ctx, helpdesk.KBFile{ArticleID: articleID, Filename: ticket.SafeFilename(filename),
		ContentType: ticket.SniffType(data), Data: data})
}

// Files lists an article's files for a viewer who may read it.
func (s *Service) Files(ctx context.Context, viewer *helpdesk.User, articleID int64) ([]helpdesk.KBFile, error) {
	if _, err := s.Article(ctx, viewer, articleID); err != nil {
		return nil, err
	}
	return s.DB.KBFiles(ctx, articleID)
}

// File returns one file of an article the viewer may read: a staff-only
// article's images are as hidden as its text.
func (s *Service) File(ctx context.Context, viewer *helpdesk.User, articleID, id int64) (*helpdesk.KBFile, error) {
	if _, err := s.Article(ctx, viewer, articleID); err != nil {
		return nil, err
	}
	f, err := s.DB.KBFile(ctx, articleID, id)
	if err != nil {
		return nil, err
	}
	return f, nil
}
