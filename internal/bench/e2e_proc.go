package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times;
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the CPU time (user + system) a process used, and with
// children also what its waited-for children used (a PostgreSQL backend
// that exited during a run is counted there by the postmaster).
func procCPU(pid int, children bool) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: fields
	// count from after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 15 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	sum := 0
	idx := []int{11, 12} // utime, stime (fields 14, 15 of stat)
	if children {
		idx = append(idx, 13, 14) // cutime, cstime
	}
	for _, i := range idx {
		n, err := strconv.Atoi(f[i])
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return time.Duration(sum) * time.Second / clockTicks, nil
}

// parentPID reads a process's parent from /proc.
func parentPID(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.Atoi(f[1])
}

// clusterCPU is the CPU time of a whole PostgreSQL cluster: the postmaster
// with its exited children, plus every live child (backends, WAL writer,
// checkpointer, autovacuum).
func clusterCPU(postmaster int) (time.Duration, error) {
	c, err := clusterCPUSplit(postmaster)
	return c.backends + c.background, err
}

// pgCPU is a cluster's CPU time split by the kind of process.
type pgCPU struct {
	// backends are the live client connections: the statements' own work.
	backends time.Duration
	// background is everything else: the postmaster, the WAL writer,
	// checkpointer, background writer, autovacuum launcher and workers,
	// and every process that exited (autovacuum workers live for one
	// table list, so most of their work is counted there).
	background time.Duration
}

func (c pgCPU) sub(o pgCPU) pgCPU {
	return pgCPU{backends: c.backends - o.backends, background: c.background - o.background}
}

// clusterCPUSplit is clusterCPU by kind of process, told apart by the
// title PostgreSQL gives each process ("postgres: checkpointer",
// "postgres: autovacuum worker", "postgres: user db host(port) idle").
func clusterCPUSplit(postmaster int) (pgCPU, error) {
	var out pgCPU
	if postmaster == 0 {
		return out, nil // not on this machine
	}
	total, err := procCPU(postmaster, true)
	if err != nil {
		return out, err
	}
	out.background = total
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out, err
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, err := parentPID(pid); err != nil || pp != postmaster {
			continue
		}
		c, err := procCPU(pid, false)
		if err != nil {
			continue // it exited meanwhile
		}
		if isBackend(pid) {
			out.backends += c
		} else {
			out.background += c
		}
	}
	return out, nil
}

// pgBackgroundTitles are the titles of PostgreSQL's own processes; any
// other child of the postmaster serves a client connection.
var pgBackgroundTitles = []string{"checkpointer", "background writer", "walwriter", "autovacuum",
	"logical replication", "archiver", "stats collector", "walsender", "walreceiver", "walsummarizer",
	"io worker", "parallel worker", "startup"}

// isBackend tells a client backend from PostgreSQL's own processes by its
// title (/proc/<pid>/cmdline).
func isBackend(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	title := strings.TrimPrefix(strings.TrimRight(string(b), "\x00 "), "postgres: ")
	for _, t := range pgBackgroundTitles {
		if strings.HasPrefix(title, t) {
			return false
		}
	}
	return true
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// serveProc is `switchboard serve` running as its own process, so that
// its CPU time is its own and not the load generator's.
type serveProc struct {
	cmd  *exec.Cmd
	base string // http://host:port
	smtp string // host:port
	// exited is closed when the process has ended.
	exited chan struct{}
	// debug is the process's profile listener (http://host:port) and
	// profDir where its CPU profiles go, when BENCH_E2E_PROFILE is set.
	debug, profDir string
}

// profile takes a CPU profile of the serve process for d (the load phase
// of the path called name) into profDir/e2e-<first word of name>.pprof
// when profiling is on; the channel gets the outcome once it is written.
func (p *serveProc) profile(ctx context.Context, name string, d time.Duration) <-chan error {
	done := make(chan error, 1)
	if p.debug == "" {
		done <- nil
		return done
	}
	file := filepath.Join(p.profDir, "e2e-"+strings.ToLower(strings.Fields(name)[0])+".pprof")
	go func() {
		done <- func() error {
			url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.debug, max(int(d.Seconds()), 1))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer func() { _ = res.Body.Close() }()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", url, res.Status)
			}
			f, err := os.Create(file) //nolint:gosec // a file in the directory the user named
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, res.Body); err != nil {
				_ = f.Close()
				return err
			}
			return f.Close()
		}()
	}()
	return done
}

// buildSwitchboard builds the binary the benchmark runs into dir.
func buildSwitchboard(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "switchboard")
	gobin := os.Getenv("GO")
	if gobin == "" {
		gobin = "go"
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", bin, "./cmd/switchboard") //nolint:gosec // the Go tool named by $GO, as make does
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build switchboard (run make bench from the repository root): %w", err)
	}
	return bin, nil
}

// freeAddr picks a free loopback port.
func freeAddr(ctx context.Context) (string, error) {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// startServe runs bin serve with vars on top of a minimal environment and
// waits until /readyz answers 200.
func startServe(ctx context.Context, bin string, vars map[string]string) (*serveProc, error) {
	httpAddr, err := freeAddr(ctx)
	if err != nil {
		return nil, err
	}
	smtpAddr, err := freeAddr(ctx)
	if err != nil {
		return nil, err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"SWITCHBOARD_HTTP_ADDR=" + httpAddr, "SWITCHBOARD_SMTP_ADDR=" + smtpAddr}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	// Not CommandContext: stop shuts it down in order (SIGINT) rather
	// than killing it when the benchmark's context ends.
	cmd := exec.Command(bin, "serve") //nolint:noctx // see above
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, base: "http://" + httpAddr, smtp: smtpAddr, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/readyz", nil)
		if err != nil {
			p.stop()
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, errors.New("switchboard serve exited before it was ready (its output is above)")
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, errors.New("switchboard serve did not become ready in 2 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cpu is the serve process's CPU time so far.
func (p *serveProc) cpu() (time.Duration, error) { return procCPU(p.cmd.Process.Pid, false) }

// stop shuts the process down in order (SIGINT) and waits for it.
func (p *serveProc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
