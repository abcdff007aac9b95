package jobs

// IncidentScanArgs runs the incident detector over tickets filed since its
// last run (every 20 s): entities are indexed and bursts proposed.
type IncidentScanArgs struct{}

// Kind names the River job.
func (IncidentScanArgs) Kind() string { return "incident_scan" }
