package admin

import (
	"context"
	"math"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
)

func categoryOf(c dbsqlc.AdminListCategoriesRow) helpdesk.CategorySettings {
	out := helpdesk.CategorySettings{Category: helpdesk.Category{ID: c.ID, Name: c.Name, TeamID: c.TeamID,
		DefaultImpact: helpdesk.Impact(c.DefaultImpact), DefaultUrgency: helpdesk.Urgency(c.DefaultUrgency)},
		TeamName: c.TeamName, Keywords: c.Keywords, FollowTheSun: c.FollowTheSun,
		ConfidenceThreshold: math.Round(float64(c.ConfidenceThreshold)*1000) / 1000}
	if c.RequiredSkill != nil {
		out.RequiredSkill = *c.RequiredSkill
	}
	if c.MinPriority != nil {
		out.MinPriority = helpdesk.Priority(*c.MinPriority)
	}
	return out
}

// Categories lists every category with its owning team (admins only).
func (s *Service) Categories(ctx context.Context, actor *helpdesk.User) ([]helpdesk.CategorySettings, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	rows, err := s.DB.Q().AdminListCategories(ctx)
	if err != nil {
		return nil, postgres.MapError(err)
	}
	out := make([]helpdesk.CategorySettings, 0, len(rows))
	for _, r := range rows {
		out = append(out, categoryOf(r))
	}
	return out, nil
}

// Category loads one category (admins only).
func (s *Service) Category(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.CategorySettings, error) {
	cats, err := s.Categories(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.ID == id {
			return &c, nil
		}
	}
	return nil, notFound()
}

// CategoryInput is the category form.
type CategoryInput struct {
	Name                string
	TeamID              string
	RequiredSkill       string
	DefaultImpact       string
	DefaultUrgency      string
	MinPriority         string
	Keywords            string
	FollowTheSun        bool
	ConfidenceThreshold string
}

type categoryAudit struct {
	Name                string   `json:"name"`
	TeamID              int64    `json:"team_id"`
	RequiredSkill       string   `json:"required_skill,omitempty"`
	DefaultImpact       string   `json:"default_impact"`
	DefaultUrgency      string   `json:"default_urgency"`
	MinPriority         string   `json:"min_priority,omitempty"`
	Keywords            []string `json:"keywords"`
	FollowTheSun        bool     `json:"follow_the_sun"`
	ConfidenceThreshold float64  `json:"confidence_threshold"`
}

func validateCategory(in CategoryInput) (dbsqlc.AdminUpdateCategoryParams, categoryAudit, error) {
	var v helpdesk.Validation
	var p dbsqlc.AdminUpdateCategoryParams
	p.Name = strings.TrimSpace(in.Name)
	if p.Name == "" {
		v.Add("name", "Enter a name.")
	} else if len([]rune(p.Name)) > 80 {
		v.Add("name", "Keep the name under 80 characters.")
	}
	teamID, err := strconv.ParseInt(in.TeamID, 10, 64)
	if err != nil || teamID <= 0 {
		v.Add("team", "Choose the team that owns this category.")
	}
	p.TeamID = teamID
	if skill := strings.ToLower(strings.TrimSpace(in.RequiredSkill)); skill != "" {
		if len(skill) > 60 {
			v.Add("required_skill", "Keep skill names under 60 characters.")
		}
		p.RequiredSkill = &skill
	}
	p.DefaultImpact = in.DefaultImpact
	if !helpdesk.Impact(in.DefaultImpact).Valid() {
		v.Add("default_impact", "Choose an impact.")
	}
	p.DefaultUrgency = in.DefaultUrgency
	if !helpdesk.Urgency(in.DefaultUrgency).Valid() {
		v.Add("default_urgency", "Choose an urgency.")
	}
	if in.MinPriority != "" {
		if !helpdesk.Priority(in.MinPriority).Valid() {
			v.Add("min_priority", "Choose P1 to P4, or none.")
		}
		mp := in.MinPriority
		p.MinPriority = &mp
	}
	p.Keywords = append([]string{}, splitList(in.Keywords, true)...)
	for _, k := range p.Keywords {
		if len(k) > 80 {
			v.Add("keywords", "Keep each keyword under 80 characters.")
			break
		}
	}
	th, err := strconv.ParseFloat(strings.TrimSpace(in.ConfidenceThreshold), 64)
	if err != nil || th < 0 || th > 1 {
		v.Add("confidence_threshold", "Enter a number from 0 to 1, such as 0.6.")
	}
	p.ConfidenceThreshold = float32(th)
	p.FollowTheSun = in.FollowTheSun
	a := categoryAudit{Name: p.Name, TeamID: p.TeamID, DefaultImpact: p.DefaultImpact, DefaultUrgency: p.DefaultUrgency,
		Keywords: p.Keywords, FollowTheSun: p.FollowTheSun, ConfidenceThreshold: th}
	if p.RequiredSkill != nil {
		a.RequiredSkill = *p.RequiredSkill
	}
	a.MinPriority = in.MinPriority
	return p, a, v.Err()
}

func categoryAuditOf(c dbsqlc.Category) categoryAudit {
	a := categoryAudit{Name: c.Name, TeamID: c.TeamID, DefaultImpact: c.DefaultImpact, DefaultUrgency: c.DefaultUrgency,
		Keywords: c.Keywords, FollowTheSun: c.FollowTheSun, ConfidenceThreshold: float64(c.ConfidenceThreshold)}
	if c.RequiredSkill != nil {
		a.RequiredSkill = *c.RequiredSkill
	}
	if c.MinPriority != nil {
		a.MinPriority = *c.MinPriority
	}
	return a
}

// saveErr turns constraint failures into field errors.
func categorySaveErr(err error) error {
	switch helpdesk.ErrorCode(postgres.MapError(err)) {
	case helpdesk.ECONFLICT:
		return helpdesk.Invalid("name", "Another category already has this name.")
	case helpdesk.EINVALID:
		if len(helpdesk.FieldErrors(err)) == 0 {
			return helpdesk.Invalid("team", "Choose the team that owns this category.")
		}
	}
	return err
}

// CreateCategory adds a category (admins only).
func (s *Service) CreateCategory(ctx context.Context, actor *helpdesk.User, in CategoryInput) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	p, a, err := validateCategory(in)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := checkCategory(ctx, tx, 0, p); err != nil {
			return err
		}
		id, err = tx.Q.AdminInsertCategory(ctx, dbsqlc.AdminInsertCategoryParams{Name: p.Name, TeamID: p.TeamID,
			RequiredSkill: p.RequiredSkill, DefaultImpact: p.DefaultImpact, DefaultUrgency: p.DefaultUrgency,
			MinPriority: p.MinPriority, Keywords: p.Keywords, FollowTheSun: p.FollowTheSun, ConfidenceThreshold: p.ConfidenceThreshold})
		if err != nil {
			return categorySaveErr(err)
		}
		return audit(ctx, tx, actor, "category", id, "create", nil, a)
	})
	return id, err
}

// UpdateCategory changes a category (admins only).
func (s *Service) UpdateCategory(ctx context.Context, actor *helpdesk.User, id int64, in CategoryInput) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	p, a, err := validateCategory(in)
	if err != nil {
		return err
	}
	p.ID = id
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.Q.AdminLockCategory(ctx, id)
		if err != nil {
			return err
		}
		if err := checkCategory(ctx, tx, id, p); err != nil {
			return err
		}
		if err := tx.Q.AdminUpdateCategory(ctx, p); err != nil {
			return categorySaveErr(err)
		}
		return audit(ctx, tx, actor, "category", id, "update", categoryAuditOf(before), a)
	})
}

// checkCategory finds what only the database knows: the team exists, and
// no other category has the name in any letter case (intake and the API
// look categories up case-insensitively).
func checkCategory(ctx context.Context, tx *postgres.Tx, self int64, p dbsqlc.AdminUpdateCategoryParams) error {
	var v helpdesk.Validation
	if _, err := tx.Q.AdminGetTeam(ctx, p.TeamID); err != nil {
		v.Add("team", "Choose the team that owns this category.")
	}
	if other, err := tx.Q.GetCategoryByName(ctx, p.Name); err == nil && other.ID != self {
		v.Add("name", "Another category already has this name.")
	}
	return v.Err()
}
