package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
)

// amPayload is Alertmanager's webhook_config body, version 4.
type amPayload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     time.Time         `json:"startsAt"`
		EndsAt       time.Time         `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	} `json:"alerts"`
}

// ParseAlertmanager reads an Alertmanager webhook body (version 4).
func ParseAlertmanager(body []byte) (AlertBatch, error) {
	var p amPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return AlertBatch{}, helpdesk.Errorf(helpdesk.EINVALID, "The body is not Alertmanager webhook JSON: %v", err)
	}
	if p.Version != "" && p.Version != "4" {
		return AlertBatch{}, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "version", Message: "Only webhook payload version 4 is understood."}}}
	}
	b := AlertBatch{GroupKey: p.GroupKey, Receiver: p.Receiver, Status: p.Status, Labels: p.CommonLabels,
		Annotations: p.CommonAnnotations, ExternalURL: p.ExternalURL}
	for _, a := range p.Alerts {
		al := helpdesk.Alert{Fingerprint: a.Fingerprint, Status: a.Status, Labels: a.Labels, Annotations: a.Annotations,
			GeneratorURL: a.GeneratorURL}
		if !a.StartsAt.IsZero() {
			t := a.StartsAt.UTC()
			al.StartsAt = &t
		}
		// Alertmanager sends 0001-01-01 for "not ended".
		if a.EndsAt.Year() > 1 {
			t := a.EndsAt.UTC()
			al.EndsAt = &t
		}
		b.Alerts = append(b.Alerts, al)
	}
	return b, nil
}

// ParseGeneric reads one alert (a JSON object) or several (an array) of
// another monitoring tool, taking fields as the mapping names them. Every
// alert with the same key is one group; labels are the object's other
// string fields.
func ParseGeneric(body []byte, set Settings) ([]AlertBatch, error) {
	set.fill()
	m := set.Generic
	var objs []map[string]any
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		if err := json.Unmarshal(body, &objs); err != nil {
			return nil, helpdesk.Errorf(helpdesk.EINVALID, "The body is not a JSON array of alerts: %v", err)
		}
	} else {
		var o map[string]any
		if err := json.Unmarshal(body, &o); err != nil {
			return nil, helpdesk.Errorf(helpdesk.EINVALID, "The body is not a JSON alert object: %v", err)
		}
		objs = []map[string]any{o}
	}
	str := func(o map[string]any, k string) string {
		switch v := o[k].(type) {
		case string:
			return v
		case float64, bool:
			return fmt.Sprint(v)
		}
		return ""
	}
	var out []AlertBatch
	byKey := map[string]int{}
	for i, o := range objs {
		key, title := str(o, m.Key), str(o, m.Title)
		if key == "" {
			key = title
		}
		if key == "" {
			return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: []helpdesk.FieldError{{Field: fmt.Sprintf("[%d].%s", i, m.Key), Message: "Each alert needs a key or a title."}}}
		}
		status := "firing"
		for _, r := range m.ResolvedValues {
			if strings.EqualFold(str(o, m.Status), r) {
				status = "resolved"
			}
		}
		labels := map[string]string{"alertname": title}
		for k := range o {
			if v := str(o, k); v != "" && k != m.Description && k != m.Title {
				labels[k] = v
			}
		}
		if v := str(o, m.Severity); v != "" {
			labels[set.SeverityLabel] = v
		}
		if v := str(o, m.Team); v != "" {
			labels[set.TeamLabel] = v
		}
		if v := str(o, m.Category); v != "" {
			labels[set.CategoryLabel] = v
		}
		a := helpdesk.Alert{Fingerprint: key, Status: status, Name: title, Labels: labels,
			Annotations: map[string]string{"summary": title, "description": str(o, m.Description)}}
		gk := "generic:" + key
		j, ok := byKey[gk]
		if !ok {
			j = len(out)
			byKey[gk] = j
			out = append(out, AlertBatch{GroupKey: gk, Receiver: "generic", Labels: labels, Annotations: a.Annotations})
		}
		out[j].Alerts = append(out[j].Alerts, a)
	}
	return out, nil
}
