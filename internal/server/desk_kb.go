package server

import (
	"net/http"
	"strconv"
	"strings"

	"switchboard/web"
)

// suggestArticles adds the knowledge-base articles that match the ticket's
// subject to the workspace, each with the Markdown link "Insert link" puts
// into the reply (desk.js does it in place; without JavaScript the link
// reloads the workspace with it in the reply box, ?insert=ID).
func (s *Server) suggestArticles(r *http.Request, v *web.DeskTicketPage) error {
	if s.KB == nil {
		return nil
	}
	arts, err := s.KB.Suggest(r.Context(), v.Page.User, v.T.Subject)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(s.Config.BaseURL, "/")
	insert, _ := strconv.ParseInt(r.URL.Query().Get("insert"), 10, 64)
	for _, a := range arts {
		link := "[" + strings.NewReplacer("[", "(", "]", ")").Replace(a.Title) + "](" + base + web.ArticleURL(a.ID) + ")"
		v.Articles = append(v.Articles, web.ArticleLink{ID: a.ID, Title: a.Title, Markdown: link, StaffOnly: a.Visibility == "staff"})
		if a.ID == insert {
			if v.Body != "" {
				v.Body += "\n\n"
			}
			v.Body += link
		}
	}
	return nil
}
