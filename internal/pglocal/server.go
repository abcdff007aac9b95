package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Database and User name what initdb and Start create inside the cluster.
const (
	Database = "switchboard"
	User     = "switchboard"
	port     = "5432" // only names the socket file; TCP is off
)

// ErrRunning is returned by Start when another process already runs the
// cluster of that directory.
var ErrRunning = errors.New("another Switchboard is already running on this data directory")

// Options says where and how to run the cluster.
type Options struct {
	Dir    string // the cluster directory, e.g. $SWITCHBOARD_DATA_DIR/pg
	Logger *slog.Logger
	// Ephemeral trades durability for speed (fsync off): for test clusters only.
	Ephemeral bool
	// Detached lets the server outlive this process; pgtest shares one server
	// between the test binaries of a run and the last one out stops it.
	Detached bool
	// MaxConnections overrides PostgreSQL's default of 100.
	MaxConnections int
	// BinDir skips the search for server binaries.
	BinDir string
	// Settings are extra server settings ("name=value", each passed as -c):
	// the benchmark cluster loads pg_stat_statements this way.
	Settings []string
}

// Server is a running embedded cluster. When Owned is false another process
// started it and Stop only lets go of it.
type Server struct {
	opts  Options
	Owned bool
	lock  *os.File
	cmd   *exec.Cmd
	done  chan struct{}
	log   *slog.Logger
}

// ConnString returns a libpq key/value string that reaches db over the socket.
func (s *Server) ConnString(db string) string { return ConnString(s.opts.Dir, db) }

// ConnString returns the socket connection string of the cluster in dir.
func ConnString(dir, db string) string {
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", dir, port, User, db)
}

// Open starts the cluster in opts.Dir, or, when another Switchboard already
// runs it, connects to it through its socket. Commands use this so that they
// work whether or not `switchboard serve` is up.
func Open(ctx context.Context, opts Options) (*Server, error) {
	s, err := Start(ctx, opts)
	if !errors.Is(err, ErrRunning) {
		return s, err
	}
	if err := waitReady(ctx, ConnString(opts.Dir, "postgres"), nil, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%w, but its database does not answer: %w", ErrRunning, err)
	}
	return &Server{opts: opts, log: logger(opts)}, nil
}

// Start initialises the cluster on first use and starts it. It refuses with
// ErrRunning when another process holds the data directory.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("pglocal: no directory")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	opts.Dir = dir
	if len(filepath.Join(dir, ".s.PGSQL."+port)) > 100 {
		return nil, fmt.Errorf("data directory path %q is too long for a unix socket; use a shorter SWITCHBOARD_DATA_DIR", dir)
	}
	s := &Server{opts: opts, Owned: true, log: logger(opts), done: make(chan struct{})}
	if s.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		_ = s.lock.Close() // releasing the flock; the start error is the one to report
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context) error {
	bin := s.opts.BinDir
	if bin == "" {
		var err error
		if bin, err = FindBinaries(); err != nil {
			return err
		}
	}
	own, err := serverOwner()
	if err != nil {
		return err
	}
	dir := s.opts.Dir
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil { //nolint:gosec // the server user (postgres, when run as root) must reach the cluster below it
		return err
	}
	if err := own.ensureTraversable(dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.initdb(ctx, bin, own); err != nil {
			return err
		}
	} else if err := own.chownTree(dir); err != nil {
		return err
	}
	if err := s.clearStalePid(); err != nil {
		return err
	}
	logPath := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600) //nolint:gosec // beside the operator's data directory
	if err != nil {
		return err
	}
	defer logFile.Close() //nolint:errcheck // never written here: the child writes through its own descriptor
	args := []string{"-D", dir, "-k", dir, "-p", port,
		"-c", "listen_addresses=", "-c", "unix_socket_permissions=0700"}
	if s.opts.MaxConnections > 0 {
		args = append(args, "-c", "max_connections="+strconv.Itoa(s.opts.MaxConnections))
	}
	if s.opts.Ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, kv := range s.opts.Settings {
		args = append(args, "-c", kv)
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), args...) //nolint:gosec,noctx // the server outlives ctx (Stop ends it); the PostgreSQL binaries FindBinaries chose, on the operator's data directory
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = own.credential()
	if s.opts.Detached {
		s.cmd.SysProcAttr.Setsid = true
	} else {
		// Own process group: a Ctrl-C in the terminal reaches Switchboard,
		// which stops PostgreSQL last, after in-flight work has finished.
		s.cmd.SysProcAttr.Setpgid = true
		// If Switchboard is killed outright, PostgreSQL shuts down too.
		s.cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	}
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the *thread* that forked exits, so pin this
		// goroutine to its thread for the server's whole life.
		runtime.LockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			close(s.done)
			return
		}
		started <- nil
		_ = s.cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	if err := waitReady(ctx, s.ConnString("postgres"), s.done, 60*time.Second); err != nil {
		s.kill()
		return fmt.Errorf("postgres did not become ready: %w\n%s", err, tail(logPath, 15))
	}
	if err := createDatabase(ctx, s.ConnString("postgres"), Database); err != nil {
		_ = s.Stop(context.Background())
		return err
	}
	s.log.Info("embedded PostgreSQL ready", "dir", dir, "pid", s.cmd.Process.Pid, "log", logPath)
	return nil
}

func (s *Server) initdb(ctx context.Context, bin string, own *owner) error {
	dir := s.opts.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := own.chownTree(dir); err != nil {
		return err
	}
	s.log.Info("initialising embedded PostgreSQL", "dir", dir, "bin", bin)
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dir, "-U", User, //nolint:gosec // the PostgreSQL binaries FindBinaries chose, on the operator's data directory
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions")
	cmd.SysProcAttr = own.credential()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// A half-made cluster would make every later start fail: remove it.
		_ = os.RemoveAll(dir)
		return fmt.Errorf("initdb: %w\n%s", err, out.String())
	}
	return nil
}

// clearStalePid handles a postmaster.pid left by a crash. We hold the
// directory lock, so no live Switchboard owns this cluster: a postgres still
// running on it is an orphan and is shut down; a dead pid is just removed.
func (s *Server) clearStalePid() error {
	pidFile := filepath.Join(s.opts.Dir, "postmaster.pid")
	pid, ok := readPid(pidFile)
	if !ok {
		return nil
	}
	if isPostgres(pid) {
		s.log.Warn("stopping orphaned postgres left by an earlier run", "pid", pid)
		if !signalAndWait(pid, syscall.SIGINT, 20*time.Second) &&
			!signalAndWait(pid, syscall.SIGQUIT, 10*time.Second) {
			return fmt.Errorf("an orphaned postgres (pid %d) keeps running on %s; stop it first", pid, s.opts.Dir)
		}
		return nil
	}
	s.log.Warn("removing stale postmaster.pid from an earlier crash", "pid", pid)
	return os.Remove(pidFile)
}

// Stop shuts PostgreSQL down (fast mode: running transactions roll back,
// committed ones are safe) and waits for it to exit.
func (s *Server) Stop(ctx context.Context) error {
	if s == nil {
		return nil
	}
	defer func() {
		if s.lock != nil {
			_ = s.lock.Close() // releases the flock; nothing was written since lockDir
		}
	}()
	if !s.Owned || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	for _, step := range []struct {
		wait time.Duration
		sig  syscall.Signal
	}{{20 * time.Second, syscall.SIGQUIT}, {5 * time.Second, syscall.SIGKILL}} {
		select {
		case <-s.done:
			s.log.Info("embedded PostgreSQL stopped")
			return nil
		case <-time.After(step.wait):
			_ = s.cmd.Process.Signal(step.sig)
		case <-ctx.Done():
			_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		}
	}
	<-s.done
	return errors.New("postgres had to be killed")
}

func (s *Server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
}

// StopDir stops a detached server of dir from any process, by its pid file.
func StopDir(dir string) error {
	pid, ok := readPid(filepath.Join(dir, "postmaster.pid"))
	if !ok || !isPostgres(pid) {
		return nil
	}
	if signalAndWait(pid, syscall.SIGINT, 20*time.Second) || signalAndWait(pid, syscall.SIGQUIT, 10*time.Second) {
		return nil
	}
	return fmt.Errorf("postgres pid %d did not stop", pid)
}

func waitReady(ctx context.Context, conn string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := pgconn.Connect(ctx, conn)
		if err == nil {
			c.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-exited:
			return errors.New("postgres exited during start")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func createDatabase(ctx context.Context, conn, name string) error {
	c, err := pgconn.Connect(ctx, conn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	// CREATE DATABASE cannot run in a DO block; check first, and tolerate a
	// concurrent creator.
	res := c.ExecParams(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", [][]byte{[]byte(name)}, nil, nil, nil).Read()
	if res.Err != nil {
		return res.Err
	}
	if len(res.Rows) > 0 {
		return nil
	}
	if _, err := c.Exec(ctx, `CREATE DATABASE "`+name+`"`).ReadAll(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" {
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func readPid(path string) (int, bool) {
	b, err := os.ReadFile(path) //nolint:gosec // postmaster.pid in the operator's data directory
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}

func isPostgres(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	name, _, _ := strings.Cut(string(b), "\x00")
	return strings.HasSuffix(name, "postgres") || strings.HasPrefix(name, "postgres:")
}

func signalAndWait(pid int, sig syscall.Signal, limit time.Duration) bool {
	_ = syscall.Kill(pid, sig)
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		// A zombie child of ours also answers kill(0); reap it if it is ours.
		var ws syscall.WaitStatus
		if p, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); p == pid {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func tail(path string, n int) string {
	f, err := os.Open(path) //nolint:gosec // the cluster's own log file
	if err != nil {
		return ""
	}
	defer f.Close() //nolint:errcheck // read only
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

func logger(opts Options) *slog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}
