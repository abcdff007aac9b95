package api

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
)

// alertsResponse lists what a delivery did to each incident.
type alertsResponse struct {
	Incidents []incident.Outcome `json:"incidents"`
}

// mayPostAlerts lets a staff member's read_write token or any token with
// the alerts scope through; an alerts-scope token reaches nothing else
// (requireScope).
func (h *Handler) mayPostAlerts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !incident.MayPostAlerts(caller(r), string(callerToken(r).Scope)) {
			h.fail(w, r, helpdesk.Errorf(helpdesk.EFORBIDDEN,
				"Posting alerts needs a staff member's read_write token or a token with the alerts scope."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// alertmanager: POST /alerts/alertmanager, Alertmanager's webhook (v4).
// It answers once the delivery is committed: a few statements, so well
// inside Alertmanager's timeout, and a failure makes Alertmanager retry.
func (h *Handler) alertmanager(w http.ResponseWriter, r *http.Request) error {
	if h.Incidents == nil {
		return errNoRoute
	}
	body, err := readBody(w, r, h.MaxJSONBody)
	if err != nil {
		return err
	}
	b, err := incident.ParseAlertmanager(body)
	if err != nil {
		return err
	}
	out, err := h.Incidents.Ingest(r.Context(), caller(r), b)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, alertsResponse{Incidents: []incident.Outcome{*out}})
}

// genericAlerts: POST /alerts/generic, any monitoring tool's JSON mapped by
// the admin's field mapping.
func (h *Handler) genericAlerts(w http.ResponseWriter, r *http.Request) error {
	if h.Incidents == nil {
		return errNoRoute
	}
	body, err := readBody(w, r, h.MaxJSONBody)
	if err != nil {
		return err
	}
	set, err := h.Incidents.Settings(r.Context())
	if err != nil {
		return err
	}
	batches, err := incident.ParseGeneric(body, set)
	if err != nil {
		return err
	}
	resp := alertsResponse{Incidents: []incident.Outcome{}}
	for _, b := range batches {
		out, err := h.Incidents.Ingest(r.Context(), caller(r), b)
		if err != nil {
			return err
		}
		resp.Incidents = append(resp.Incidents, *out)
	}
	return writeJSON(w, http.StatusOK, resp)
}
