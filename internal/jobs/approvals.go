package jobs

// ApprovalScanArgs asks for the approvals new service requests need, and
// sends the reminders and expiries that are due (every 15 s).
type ApprovalScanArgs struct{}

// Kind names the River job.
func (ApprovalScanArgs) Kind() string { return "approval_scan" }

// The approval kind joins the list here, like the automation kinds, so
// helpers adding kinds in parallel do not edit one line.
func init() { kinds = append(kinds, ApprovalScanArgs{}) }
