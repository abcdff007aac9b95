package admin

import (
	"context"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Categories lists every category with its owning team (admins only).
func (s *Service) Categories(ctx context.Context, actor *helpdesk.User) ([]helpdesk.CategorySettings, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	return s.db.CategorySettings(ctx)
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

func validateCategory(in CategoryInput) (helpdesk.CategorySettings, categoryAudit, error) {
	var v helpdesk.Validation
	var c helpdesk.CategorySettings
	c.Name = strings.TrimSpace(in.Name)
	if c.Name == "" {
		v.Add("name", "Enter a name.")
	} else if len([]rune(c.Name)) > 80 {
		v.Add("name", "Keep the name under 80 characters.")
	}
	teamID, err := strconv.ParseInt(in.TeamID, 10, 64)
	if err != nil || teamID <= 0 {
		v.Add("team", "Choose the team that owns this category.")
	}
	c.TeamID = teamID
	if skill := strings.ToLower(strings.TrimSpace(in.RequiredSkill)); skill != "" {
		if len(skill) > 60 {
			v.Add("required_skill", "Keep skill names under 60 characters.")
		}
		c.RequiredSkill = skill
	}
	c.DefaultImpact = helpdesk.Impact(in.DefaultImpact)
	if !c.DefaultImpact.Valid() {
		v.Add("default_impact", "Choose an impact.")
	}
	c.DefaultUrgency = helpdesk.Urgency(in.DefaultUrgency)
	if !c.DefaultUrgency.Valid() {
		v.Add("default_urgency", "Choose an urgency.")
	}
	if in.MinPriority != "" && !helpdesk.Priority(in.MinPriority).Valid() {
		v.Add("min_priority", "Choose P1 to P4, or none.")
	}
	c.MinPriority = helpdesk.Priority(in.MinPriority)
	c.Keywords = append([]string{}, splitList(in.Keywords, true)...)
	for _, k := range c.Keywords {
		if len(k) > 80 {
			v.Add("keywords", "Keep each keyword under 80 characters.")
			break
		}
	}
	th, err := strconv.ParseFloat(strings.TrimSpace(in.ConfidenceThreshold), 64)
	if err != nil || th < 0 || th > 1 {
		v.Add("confidence_threshold", "Enter a number from 0 to 1, such as 0.6.")
	}
	c.ConfidenceThreshold = th
	c.FollowTheSun = in.FollowTheSun
	a := categoryAudit{Name: c.Name, TeamID: c.TeamID, RequiredSkill: c.RequiredSkill, DefaultImpact: in.DefaultImpact,
		DefaultUrgency: in.DefaultUrgency, MinPriority: in.MinPriority, Keywords: c.Keywords, FollowTheSun: c.FollowTheSun,
		ConfidenceThreshold: th}
	return c, a, v.Err()
}

func categoryAuditOf(c *helpdesk.CategorySettings) categoryAudit {
	return categoryAudit{Name: c.Name, TeamID: c.TeamID, RequiredSkill: c.RequiredSkill, DefaultImpact: string(c.DefaultImpact),
		DefaultUrgency: string(c.DefaultUrgency), MinPriority: string(c.MinPriority), Keywords: c.Keywords,
		FollowTheSun: c.FollowTheSun, ConfidenceThreshold: c.ConfidenceThreshold}
}

// saveErr turns constraint failures into field errors.
func categorySaveErr(err error) error {
	switch helpdesk.ErrorCode(err) {
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
	c, a, err := validateCategory(in)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := checkCategory(ctx, tx, 0, c); err != nil {
			return err
		}
		id, err = tx.InsertCategory(ctx, c)
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
	c, a, err := validateCategory(in)
	if err != nil {
		return err
	}
	c.ID = id
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		before, err := tx.LockCategory(ctx, id)
		if err != nil {
			return err
		}
		if err := checkCategory(ctx, tx, id, c); err != nil {
			return err
		}
		if err := tx.UpdateCategory(ctx, c); err != nil {
			return categorySaveErr(err)
		}
		return audit(ctx, tx, actor, "category", id, "update", categoryAuditOf(before), a)
	})
}

// checkCategory finds what only the database knows: the team exists, and
// no other category has the name in any letter case (intake and the API
// look categories up case-insensitively).
func checkCategory(ctx context.Context, tx *postgres.Tx, self int64, c helpdesk.CategorySettings) error {
	var v helpdesk.Validation
	if _, err := tx.Team(ctx, c.TeamID); err != nil {
		v.Add("team", "Choose the team that owns this category.")
	}
	if other, err := tx.CategoryByName(ctx, c.Name); err == nil && other.ID != self {
		v.Add("name", "Another category already has this name.")
	}
	return v.Err()
}
