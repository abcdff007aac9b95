package triage

import (
	"fmt"
	"strings"

	"switchboard/internal/helpdesk"
)

// Categorisation is how triage chose a category, stored as the
// `categorised` event.
type Categorisation struct {
	CategoryID *int64  `json:"category_id"`
	Category   string  `json:"category,omitempty"`
	Source     string  `json:"source"` // keyword, model or none
	Suggested  string  `json:"suggested,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	Threshold  float64 `json:"threshold,omitempty"`
	ModelID    int64   `json:"model_id,omitempty"`
	Reason     string  `json:"reason"`
}

// categorise picks a category for an uncategorised ticket. An admin's
// keyword rule on a category wins over the model: it states intent, the
// model only guesses. The model's guess is used only at or above that
// category's confidence threshold; below it the ticket is left for a person.
func categorise(text string, cats []helpdesk.CategorySettings, c *Classifier) Categorisation {
	norm := " " + normalise(text) + " "
	var best *helpdesk.CategorySettings
	bestHits, bestWord := 0, ""
	for i := range cats {
		hits, word := 0, ""
		for _, k := range cats[i].Keywords {
			if ph := normalise(k); ph != "" && strings.Contains(norm, " "+ph+" ") {
				hits++
				word = k
			}
		}
		if hits > bestHits {
			best, bestHits, bestWord = &cats[i], hits, word
		}
	}
	if best != nil {
		return Categorisation{CategoryID: &best.ID, Category: best.Name, Source: "keyword",
			Reason: fmt.Sprintf("keyword %q of category %s", bestWord, best.Name)}
	}
	label, conf, modelID, ok := c.Predict(text)
	if !ok {
		return Categorisation{Source: "none", Reason: "no categorisation model is trained yet; left for a person"}
	}
	out := Categorisation{Source: "model", Suggested: label, Confidence: conf, ModelID: modelID}
	var cat *helpdesk.CategorySettings
	for i := range cats {
		if strings.EqualFold(cats[i].Name, label) {
			cat = &cats[i]
			break
		}
	}
	switch {
	case cat == nil:
		out.Source = "none"
		out.Reason = fmt.Sprintf("model suggests %q (%.2f), which is not a category here; left for a person", label, conf)
	case conf < cat.ConfidenceThreshold:
		out.Source = "none"
		out.Threshold = cat.ConfidenceThreshold
		out.Reason = fmt.Sprintf("model suggests %s with confidence %.2f, below its threshold %.2f; left for a person",
			cat.Name, conf, cat.ConfidenceThreshold)
	default:
		out.CategoryID, out.Category, out.Threshold = &cat.ID, cat.Name, cat.ConfidenceThreshold
		out.Reason = fmt.Sprintf("model: %s with confidence %.2f (threshold %.2f)", cat.Name, conf, cat.ConfidenceThreshold)
	}
	return out
}
