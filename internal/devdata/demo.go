// Package devdata makes data nobody typed: the demo organisation that
// `serve --demo` loads on first start, and the generated tickets of
// `switchboard load` for load tests and benchmarks.
package devdata

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Demo sign-ins printed by serve --demo.
const (
	demoPassword  = "switchboard-demo"
	demoAdmin     = "admin@example.com"
	demoAgent     = "ana.schmidt@example.com"
	demoRequester = "rita.requester@example.com"
)

type demoTeam struct {
	slug, name, tz string
	restricted     bool
	from, to       int // weekday hours, minutes from local midnight
}

var demoTeams = []demoTeam{
	{"eu-desk", "Service Desk Europe", "Europe/Berlin", false, 8 * 60, 17 * 60},
	{"americas", "Americas Support", "America/New_York", false, 8 * 60, 18 * 60},
	{"apac-infra", "APAC Infrastructure", "Asia/Manila", false, 9 * 60, 18 * 60},
	{"security", "Security Operations", "Europe/London", true, 7 * 60, 19 * 60},
}

type demoAgentSpec struct {
	email, name, team, tz, role string
	from, to                    int
	skills                      map[string]int
	capacity                    int
}

var demoAgents = []demoAgentSpec{
	{demoAgent, "Ana Schmidt", "eu-desk", "Europe/Berlin", "agent", 8 * 60, 16 * 60, map[string]int{"hardware": 3, "software": 2}, 8},
	{"jonas.weber@example.com", "Jonas Weber", "eu-desk", "Europe/Berlin", "lead", 9 * 60, 17 * 60, map[string]int{"software": 3, "access": 2}, 6},
	{"lena.fischer@example.com", "Lena Fischer", "eu-desk", "Europe/Berlin", "agent", 12 * 60, 16 * 60, map[string]int{"hardware": 2, "email": 2}, 4},
	{"marco.rossi@example.com", "Marco Rossi", "eu-desk", "Europe/Rome", "agent", 7 * 60, 15 * 60, map[string]int{"software": 2, "network": 1}, 8},
	{"sam.carter@example.com", "Sam Carter", "americas", "America/New_York", "lead", 8 * 60, 16 * 60, map[string]int{"access": 3, "email": 2}, 6},
	{"maria.lopez@example.com", "Maria Lopez", "americas", "America/Chicago", "agent", 9 * 60, 17 * 60, map[string]int{"access": 2, "hardware": 2}, 8},
	{"dev.patel@example.com", "Dev Patel", "americas", "America/Los_Angeles", "agent", 10 * 60, 18 * 60, map[string]int{"email": 3, "software": 2}, 8},
	{"kim.nguyen@example.com", "Kim Nguyen", "americas", "America/New_York", "agent", 14 * 60, 22 * 60, map[string]int{"network": 2, "access": 1}, 6},
	{"jose.reyes@example.com", "Jose Reyes", "apac-infra", "Asia/Manila", "lead", 9 * 60, 18 * 60, map[string]int{"network": 3, "hardware": 2}, 6},
	{"mei.tan@example.com", "Mei Tan", "apac-infra", "Asia/Singapore", "agent", 8 * 60, 17 * 60, map[string]int{"network": 2, "software": 1}, 8},
	{"ravi.kumar@example.com", "Ravi Kumar", "apac-infra", "Asia/Kolkata", "agent", 22 * 60, 6 * 60, map[string]int{"network": 2, "hardware": 1}, 8},
	{"olivia.brown@example.com", "Olivia Brown", "security", "Europe/London", "agent", 7 * 60, 15 * 60, map[string]int{"security": 3, "email": 2}, 5},
	{"tom.evans@example.com", "Tom Evans", "security", "Europe/London", "agent", 11 * 60, 19 * 60, map[string]int{"security": 2, "network": 2}, 5},
}

var demoCategories = []struct {
	name, team, skill string
	followSun         bool
}{
	{"Hardware", "eu-desk", "hardware", false},
	{"Software", "eu-desk", "software", false},
	{"Access & accounts", "americas", "access", true},
	{"Email", "americas", "email", true},
	{"Network & VPN", "apac-infra", "network", true},
	{"Security incident", "security", "security", true},
}

var demoRequesters = []struct{ email, name, tz string }{
	{demoRequester, "Rita Requester", "Europe/Berlin"},
	{"paul.martin@example.com", "Paul Martin", "Europe/Paris"},
	{"grace.kim@example.com", "Grace Kim", "America/New_York"},
	{"liam.oconnor@example.com", "Liam O'Connor", "Europe/Dublin"},
	{"aiko.sato@example.com", "Aiko Sato", "Asia/Tokyo"},
	{"noah.silva@example.com", "Noah Silva", "America/Sao_Paulo"},
}

var demoSubjects = []struct{ subject, body, category string }{
	{"Laptop will not boot after update", "My ThinkPad shows a black screen after last night's update. Tried a hard reset.", "Hardware"},
	{"Docking station: external monitors flicker", "Both monitors on the Dell dock flicker every few seconds.", "Hardware"},
	{"Need a second monitor", "Could I get a second 27\" monitor for my desk in Berlin?", "Hardware"},
	{"Keyboard keys sticking", "The E and R keys stick on my laptop keyboard.", "Hardware"},
	{"Excel crashes when opening shared workbook", "Excel closes as soon as I open Finance-Q3.xlsx from SharePoint.", "Software"},
	{"Request licence for Adobe Acrobat Pro", "I need to edit PDFs for contracts. Manager approved.", "Software"},
	{"Teams camera not detected", "Teams says no camera found; it works in the Windows camera app.", "Software"},
	{"Password reset for SAP", "Locked out of SAP after three attempts.", "Access & accounts"},
	{"Access to the marketing shared drive", "Please give me read/write access to \\\\fs01\\marketing.", "Access & accounts"},
	{"New starter account for Jamie Lee", "Jamie starts Monday in Sales, needs email, CRM and VPN.", "Access & accounts"},
	{"MFA phone changed", "I have a new phone and can no longer approve sign-ins.", "Access & accounts"},
	{"Shared mailbox not showing in Outlook", "The support@ shared mailbox disappeared from Outlook.", "Email"},
	{"Emails to customer bouncing", "Mail to @acme-corp.com bounces with 550 5.7.1.", "Email"},
	{"Out of office not working", "My automatic replies do not get sent.", "Email"},
	{"VPN disconnects every 10 minutes", "GlobalProtect drops the connection from home every 10 minutes.", "Network & VPN"},
	{"Wi-Fi slow in Manila office 3rd floor", "Speed tests show 2 Mbit/s on floor 3 since Tuesday.", "Network & VPN"},
	{"Cannot reach build server bld-07.internal", "ping bld-07.internal times out from the VPN.", "Network & VPN"},
	{"Office network outage in Singapore", "The whole Singapore office is down for everyone since 09:10.", "Network & VPN"},
	{"Suspicious email asking for invoice payment", "Looks like phishing: sender spoofs our CFO, asks for an urgent wire transfer.", "Security incident"},
	{"Possible malware on laptop", "Pop-ups and a new browser toolbar appeared; antivirus shows a warning.", "Security incident"},
	{"Printer on 2nd floor jams", "The HP printer near the kitchen jams on every job.", ""},
	{"How do I book a meeting room display?", "Not sure who handles meeting room screens.", ""},
}

// LoadDemo creates the demo organisation once. A session advisory lock and
// a settings marker make concurrent or repeated starts do nothing. Tickets
// go through the ticket service, so they are triaged like real ones.
func LoadDemo(ctx context.Context, db *postgres.DB, tickets *ticket.Service, log *slog.Logger) error {
	_, err := db.Once(ctx, demoLock, "demo_loaded", func(ctx context.Context) error {
		log.Info("loading demo organisation")
		return loadDemo(ctx, db, tickets)
	})
	return err
}

// demoLock is the advisory lock key that keeps two nodes from loading the
// demo at once.
const demoLock = 4242

func loadDemo(ctx context.Context, db *postgres.DB, tickets *ticket.Service) error {
	teamIDs := map[string]int64{}
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		for _, t := range demoTeams {
			var hours []helpdesk.ShiftRange
			for d := 1; d <= 5; d++ {
				hours = append(hours, helpdesk.ShiftRange{Weekday: d, Start: t.from, End: t.to})
			}
			id, err := tx.SeedTeam(ctx, helpdesk.Team{Slug: t.slug, Name: t.name, TimeZone: t.tz, Restricted: t.restricted}, hours)
			if err != nil {
				return err
			}
			teamIDs[t.slug] = id
		}
		for _, c := range demoCategories {
			cs := helpdesk.CategorySettings{Category: helpdesk.Category{Name: c.name, TeamID: teamIDs[c.team], RequiredSkill: c.skill},
				FollowTheSun: c.followSun}
			if c.skill == "security" {
				cs.MinPriority = helpdesk.P2
			}
			if err := tx.SeedCategory(ctx, cs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := seedDemoMail(ctx, db); err != nil {
		return err
	}
	users := map[string]*helpdesk.User{}
	mk := func(in auth.NewUser) error {
		u, err := auth.CreateUser(ctx, db, in)
		if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
			if u, err = db.UserByEmail(ctx, in.Email); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		users[in.Email] = u
		return nil
	}
	if err := mk(auth.NewUser{Email: demoAdmin, Name: "Alex Admin", Role: helpdesk.RoleAdmin, TimeZone: "Europe/Berlin", Password: demoPassword}); err != nil {
		return err
	}
	for _, ag := range demoAgents {
		if err := mk(auth.NewUser{Email: ag.email, Name: ag.name, Role: helpdesk.Role(ag.role), TeamSlug: ag.team, TimeZone: ag.tz, Password: demoPassword}); err != nil {
			return err
		}
		var skills []helpdesk.Skill
		for skill, level := range ag.skills {
			skills = append(skills, helpdesk.Skill{Name: skill, Level: level})
		}
		var hours []helpdesk.ShiftRange
		for d := 1; d <= 5; d++ {
			hours = append(hours, helpdesk.ShiftRange{Weekday: d, Start: ag.from, End: ag.to})
		}
		if err := db.InTx(ctx, func(tx *postgres.Tx) error {
			return tx.SeedAgentProfile(ctx, users[ag.email].ID, ag.capacity, skills, hours)
		}); err != nil {
			return err
		}
	}
	for _, r := range demoRequesters {
		if err := mk(auth.NewUser{Email: r.email, Name: r.name, Role: helpdesk.RoleRequester, TimeZone: r.tz, Password: demoPassword}); err != nil {
			return err
		}
	}
	if err := loadDemoArticles(ctx, &kb.Service{DB: db, Tickets: tickets}, users[demoAdmin]); err != nil {
		return err
	}
	if err := demoAutomation(ctx, db, users); err != nil {
		return err
	}
	if err := demoApprovals(ctx, db, tickets, users); err != nil {
		return err
	}
	if err := demoTickets(ctx, db, tickets, users); err != nil {
		return err
	}
	if err := demoIncident(ctx, db, tickets, users); err != nil {
		return err
	}
	return demoPhishing(ctx, db, tickets, users)
}

// demoTickets files 60 tickets from the requesters over the last two weeks
// and moves them through every status, as the real services would.
func demoTickets(ctx context.Context, db *postgres.DB, tickets *ticket.Service, users map[string]*helpdesk.User) error {
	rng := rand.New(rand.NewPCG(7, 42)) //nolint:gosec // seeded on purpose: the same demo every time; nothing secret
	cats := map[string]int64{}
	rows, err := db.Categories(ctx)
	if err != nil {
		return err
	}
	for _, c := range rows {
		cats[c.Name] = c.ID
	}
	agentsByTeam := map[string][]*helpdesk.User{}
	for _, ag := range demoAgents {
		agentsByTeam[ag.team] = append(agentsByTeam[ag.team], users[ag.email])
	}
	teamOf := map[string]string{}
	for _, c := range demoCategories {
		teamOf[c.name] = c.team
	}
	statuses := []helpdesk.Status{helpdesk.StatusNew, helpdesk.StatusOpen, helpdesk.StatusOpen, helpdesk.StatusPending,
		helpdesk.StatusOnHold, helpdesk.StatusResolved, helpdesk.StatusClosed}
	now := time.Now()
	for i := range 60 {
		s := demoSubjects[i%len(demoSubjects)]
		req := users[demoRequesters[i%len(demoRequesters)].email]
		in := ticket.CreateInput{Subject: s.subject, Description: s.body, Source: helpdesk.SourceDemo,
			Impact: helpdesk.Impacts[rng.IntN(4)], Urgency: helpdesk.Urgencies[rng.IntN(4)]}
		if id, ok := cats[s.category]; ok {
			in.CategoryID = &id
		}
		t, err := tickets.Create(ctx, req, in)
		if err != nil {
			return err
		}
		age := time.Duration(rng.IntN(14*24*60)) * time.Minute
		created := now.Add(-age)
		if err := db.BackdateTicket(ctx, t.ID, created); err != nil {
			return err
		}
		status := statuses[i%len(statuses)]
		if status == helpdesk.StatusNew {
			continue
		}
		team := teamOf[s.category]
		if team == "" {
			team = "eu-desk"
		}
		agent := agentsByTeam[team][rng.IntN(len(agentsByTeam[team]))]
		if err := db.SeedAssignment(ctx, t.ID, agent, created); err != nil {
			return err
		}
		if _, err := tickets.AddMessage(ctx, agent, t.Number, ticket.MessageInput{
			Body: fmt.Sprintf("Hi %s, thanks for reporting this. I'm looking into it now.", req.Name)}); err != nil {
			return err
		}
		if i%3 == 0 {
			if _, err := tickets.AddMessage(ctx, agent, t.Number, ticket.MessageInput{Internal: true,
				Body: "Internal: checked the logs, likely related to last week's change."}); err != nil {
				return err
			}
		}
		if status != helpdesk.StatusOpen {
			if _, err := tickets.SetStatus(ctx, agent, t.Number, status, "demo data"); err != nil {
				return err
			}
		}
	}
	return nil
}

func PrintLogins(w io.Writer, base string) {
	fmt.Fprintf(w, `
Demo organisation loaded. Sign in at %s/login with password %q as:
  admin      %s
  agent      %s
  requester  %s

`, base, demoPassword, demoAdmin, demoAgent, demoRequester)
}

// seedDemoMail adds the demo's intake addresses: it@ (routed by triage) and
// security@ (straight to Security Operations, marked "phishing reports").
func seedDemoMail(ctx context.Context, db *postgres.DB) error {
	return db.SeedIntakeAddresses(ctx, "security")
}
