package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/api"
	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/backup"
	"switchboard/internal/chat"
	"switchboard/internal/devdata"
	"switchboard/internal/incident"
	"switchboard/internal/jobs"
	"switchboard/internal/kb"
	"switchboard/internal/phishing"
	"switchboard/internal/postgres"
	"switchboard/internal/report"
	"switchboard/internal/security"
	"switchboard/internal/server"
	"switchboard/internal/sla"
	"switchboard/internal/ticket"
	"switchboard/internal/triage"
)

// Background is a long-running part started after River and stopped before
// it: the mail listener, IMAP pollers, the live-update listener.
type Background interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// App is a running Switchboard node.
type App struct {
	Env      *Env
	DB       *postgres.DB
	Jobs     *postgres.JobClient
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	Tickets  *ticket.Service
	HTTP     *server.Server
	// Health watches the database: while it is down HTTP answers 503 and
	// SMTP 451, and everything resumes when it answers again.
	Health *postgres.Health
	// Backups is the embedded default's backup schedule (nil when off).
	Backups *backup.Scheduler
	// Triage runs the triage, rebalancing and retry jobs; SLA keeps due
	// times and fires alarms; Classifier is this node's categorisation model.
	Triage *triage.Runner
	// TriageDispatch triages tickets created on this node after commit.
	TriageDispatch *triage.Dispatcher
	SLA            *sla.Service
	Classifier     *triage.Classifier
	// Mail is email intake (SMTP, IMAP, processing) and notifications.
	Mail *Mail
	// Tokens are the personal API tokens; API is the REST API v1 handler.
	Tokens *auth.Tokens
	// Directory finds people by email for the API, cached like tokens.
	Directory *auth.Directory
	API       *api.Handler
	// KB is the knowledge base (help centre, deflection, articles API).
	KB *kb.Service
	// Incidents is alert intake, the incident detector and known issues.
	Incidents *incident.Service
	// Reports computes the reports and keeps their daily rollups.
	Reports *report.Service
	// Phishing analyses reported mail, groups campaigns, thanks reporters.
	Phishing *phishing.Service
	// Chat is ChatOps (Slack, Mattermost); chatIn its inbound endpoints.
	Chat   *chat.Service
	chatIn *server.ChatEndpoints
	// Automation runs the rules, their dry-runs and rollbacks.
	Automation *automation.Service
	// Approvals asks for, records and expires approvals of service requests.
	Approvals *automation.Approvals

	db         *Database
	background []Background
	httpSrv    *http.Server
	listener   net.Listener
	cancelBase context.CancelFunc
	// Addr is where HTTP listens (useful with port 0 in tests).
	Addr string
	// Security watches sign-ins for dangerous activity.
	Security *security.Detector
	// MetricsAddr is where the separate metrics listener listens, if any.
	MetricsAddr string
	metrics     *metricsListener
	// DebugAddr is where the profile listener listens, if any.
	DebugAddr string
	debug     *metricsListener
}

// Options tune Start for tests and for serve --demo.
type Options struct {
	Demo       bool
	NoHTTP     bool // tests that drive a.HTTP through httptest
	MaxWorkers int
}

// Start builds every part on the configured database, migrates, and starts
// River, the background parts and the HTTP listener. Callers must Shutdown.
func Start(ctx context.Context, env *Env, opts Options) (a *App, err error) {
	tuneGC()
	if err := env.Config.EnsureSecret(); err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, env, true)
	if err != nil {
		return nil, err
	}
	a = &App{Env: env, db: db, DB: db.DB}
	defer func() {
		if err != nil {
			a.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	if err := db.Migrate(ctx, env.Log); err != nil {
		return a, err
	}
	if err := a.build(ctx, opts); err != nil {
		return a, err
	}
	if opts.Demo {
		if err := devdata.LoadDemo(ctx, a.DB, a.Tickets, a.Env.Log); err != nil {
			return a, fmt.Errorf("demo data: %w", err)
		}
	}
	if err := a.Jobs.Start(ctx); err != nil {
		return a, err
	}
	for _, b := range a.background {
		if err := b.Start(ctx); err != nil {
			return a, err
		}
	}
	if err := a.startMetrics(); err != nil {
		return a, err
	}
	if err := a.startDebug(); err != nil {
		return a, err
	}
	if !opts.NoHTTP {
		if a.listener, err = new(net.ListenConfig).Listen(ctx, "tcp", env.Config.HTTPAddr); err != nil {
			return a, fmt.Errorf("listen on %s: %w", env.Config.HTTPAddr, err)
		}
		a.Addr = a.listener.Addr().String()
		base, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.cancelBase = cancel
		a.httpSrv = a.HTTP.HTTPServer(base)
		go func() {
			if err := a.httpSrv.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				env.Log.Error("http server", "err", err)
			}
		}()
	}
	return a, nil
}

// build creates the services, workers and HTTP handler.
func (a *App) build(ctx context.Context, opts Options) error {
	cfg := a.Env.Config
	a.Health = a.DB.NewHealth(a.Env.Log)
	a.background = append(a.background, a.Health)
	a.Workers = river.NewWorkers()
	a.Tickets = &ticket.Service{DB: a.DB, MaxAttachment: cfg.MaxAttachment}
	a.KB = &kb.Service{DB: a.DB, Tickets: a.Tickets, MaxFile: cfg.MaxAttachment}
	a.Incidents = &incident.Service{DB: a.DB, Tickets: a.Tickets, Log: a.Env.Log}
	triage := &funcWorker[jobs.TriageArgs]{}
	changed := &changedWorker{}
	river.AddWorker(a.Workers, triage)
	river.AddWorker(a.Workers, changed)
	a.wireTriage(triage, changed)
	if err := a.wireMail(changed); err != nil {
		return err
	}
	a.wireAPIJobs()
	a.wireIncidents()
	a.wireReports()
	a.wirePhishing()
	a.wireChat(changed)
	a.wireAutomation(changed)
	a.wireApprovals(changed)
	var err error
	a.Jobs, err = a.DB.NewJobClient(postgres.JobConfig{Workers: a.Workers, Periodic: a.Periodic,
		MaxWorkers: opts.MaxWorkers, Logger: quietRiver(a.Env.Log)})
	if err != nil {
		return err
	}
	a.Tickets.Jobs = a.Jobs
	a.Triage.Jobs = a.Jobs
	a.TriageDispatch.Jobs = a.Jobs
	a.Phishing.Jobs = a.Jobs
	a.Chat.Jobs = a.Jobs
	a.Automation.Jobs = a.Jobs
	apiHandler := a.buildAPI()
	a.HTTP = server.New(&server.Server{Config: cfg, DB: a.DB, Jobs: a.Jobs, Tickets: a.Tickets, Log: a.Env.Log, Health: a.Health,
		Sessions: auth.NewSessions(a.DB, cfg.SecretKey, cfg.SessionIdle, cfg.SessionMax, cfg.Secure()),
		Throttle: &auth.Throttle{DB: a.DB}, Devices: &auth.Devices{DB: a.DB, Secure: cfg.Secure()},
		API: apiHandler, Tokens: a.Tokens, Directory: a.Directory})
	a.Security = &security.Detector{DB: a.DB, Tickets: a.Tickets, Log: a.Env.Log.With("part", "security"),
		Key: cfg.SecretKey, BaseURL: cfg.BaseURL}
	if a.Mail != nil && a.Mail.Notifier != nil {
		a.Security.Mail = a.Mail.Notifier.WasThisYouTx
	}
	a.HTTP.Throttle.OnSignIn = a.Security.OnSignIn
	a.HTTP.Chat, a.HTTP.ChatIn = a.Chat, a.chatIn
	a.HTTP.OnAdminAction = a.Security.OnAdminAction
	a.HTTP.OnOwnerLocked = a.Security.OnOwnerLocked
	a.API.OnTokenUse = a.Security.OnTokenUse
	a.API.OnAdminWrite = a.Security.OnAdminAction
	a.wireDesk()
	a.wireBackups()
	if err := a.wireIdentity(); err != nil {
		return err
	}
	if err := a.wireAdmin(); err != nil {
		return err
	}
	a.phishingHTTP()
	a.mailJobs()
	return nil
}

// Shutdown stops in the order that loses nothing: HTTP (in-flight requests
// finish), then mail and other background parts, then River (running jobs
// finish), then the pool, then the embedded PostgreSQL.
func (a *App) Shutdown(ctx context.Context) {
	log := a.Env.Log
	if a.httpSrv != nil {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		a.cancelBase() // ends live streams so Shutdown need not wait for them
		if err := a.httpSrv.Shutdown(sctx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
		cancel()
	}
	if a.metrics != nil {
		if err := a.metrics.stop(ctx); err != nil {
			log.Warn("metrics shutdown", "err", err)
		}
	}
	if a.debug != nil {
		if err := a.debug.stop(ctx); err != nil {
			log.Warn("debug shutdown", "err", err)
		}
	}
	for i := len(a.background) - 1; i >= 0; i-- {
		if err := a.background[i].Stop(ctx); err != nil {
			log.Warn("stop", "part", fmt.Sprintf("%T", a.background[i]), "err", err)
		}
	}
	if a.Jobs != nil {
		sctx, cancel := context.WithTimeout(ctx, 4*time.Second)
		if err := a.Jobs.Stop(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			log.Warn("river stop", "err", err)
		}
		cancel()
	}
	if a.db != nil {
		if err := a.db.Close(ctx); err != nil {
			log.Warn("database close", "err", err)
		}
	}
}

// quietRiver keeps River's own chatter at warnings.
func quietRiver(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// tuneGC collects garbage less often than Go's default unless GOGC is set.
// A node's live heap is small (tens of MB) while every page view allocates
// about a hundred KB, so at GOGC=100 the collector ran every few hundred
// requests and took close to a fifth of the CPU of a busy 2-core machine.
// At 400 the heap may grow to five times the live data, still small.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
