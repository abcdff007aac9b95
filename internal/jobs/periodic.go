package jobs

// SLAScanArgs fires due SLA warnings and breaches (every minute).
type SLAScanArgs struct{}

// Kind names the River job.
func (SLAScanArgs) Kind() string { return "sla_scan" }

// RebalanceArgs hands absent agents' tickets back to triage. AgentID 0
// sweeps everyone (every 30 s); whoever changes an agent's availability or
// deactivates them should enqueue it with that agent's id in the same
// transaction, so the tickets move at once.
type RebalanceArgs struct {
	AgentID int64 `json:"agent_id,omitempty"`
}

// Kind names the River job.
func (RebalanceArgs) Kind() string { return "rebalance" }

// TriageRetryArgs re-triages queued tickets whose next shift has begun
// (every minute).
type TriageRetryArgs struct{}

// Kind names the River job.
func (TriageRetryArgs) Kind() string { return "triage_retry" }

// RetrainArgs retrains the categorisation model when new resolved tickets
// exist (hourly). A forced retrain is `switchboard triage train`, which
// trains directly rather than through this job.
type RetrainArgs struct{}

// Kind names the River job.
func (RetrainArgs) Kind() string { return "classifier_retrain" }

// TriageSweepArgs finds open tickets that were never triaged and have no
// triage job waiting (its job was lost or gave up) and enqueues one (every
// minute, and at start).
type TriageSweepArgs struct{}

// Kind names the River job.
func (TriageSweepArgs) Kind() string { return "triage_sweep" }

// ReportRollupArgs folds the ticket changes marked since its last run into
// the daily report rollups, and backfills the rollup of a time zone a
// report was first read in (every minute, and at start).
type ReportRollupArgs struct{}

// Kind names the River job.
func (ReportRollupArgs) Kind() string { return "report_rollup" }
