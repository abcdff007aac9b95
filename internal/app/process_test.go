package app

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/internal/pglocal"
	"switchboard/internal/testwait"
)

// TestServeLifecycle checks the README's promise as a new user meets it: the
// real binary on the embedded default answers /readyz, ends on SIGTERM within
// 10 s with exit 0 and no postgres left, and keeps data across a restart.
func TestServeLifecycle(t *testing.T) {
	if _, err := pglocal.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	build := exec.Command("go", "build", "-o", bin, "switchboard/cmd/switchboard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir, err := os.MkdirTemp("", "sbl") // short: the socket lives inside
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: it is a temporary directory
	addr := freeAddr(t)
	env := append(os.Environ(), "SWITCHBOARD_DATA_DIR="+dir, "SWITCHBOARD_HTTP_ADDR="+addr, "SWITCHBOARD_SMTP_ADDR=off", "DATABASE_URL=")

	serve := func() (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(bin, "serve")
		cmd.Env = env
		var out strings.Builder
		pr, pw, _ := os.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		_ = pw.Close() // the child holds its own copy; closing ours lets the scanner see EOF when it exits
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
			}
		}()
		waitReady(t, "http://"+addr+"/readyz", &out)
		return cmd, &out
	}
	stop := func(cmd *exec.Cmd, out *strings.Builder) {
		start := time.Now()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, out)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("still running 10 s after SIGTERM\n%s", out)
		}
		t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
		if pids := postgresOn(dir); len(pids) > 0 {
			t.Fatalf("postgres left running: %v", pids)
		}
	}

	cmd, out := serve()
	add := exec.Command(bin, "user", "add", "--email", "kept@example.com", "--name", "Kept", "--role", "admin", "--password-stdin")
	add.Env, add.Stdin = env, strings.NewReader("a-long-password\n")
	if b, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add while serving: %v\n%s", err, b)
	}
	stop(cmd, out)

	cmd, out = serve()
	// The user added before the restart is still there: adding again conflicts.
	again := exec.Command(bin, "user", "add", "--email", "kept@example.com", "--name", "Kept", "--role", "admin")
	again.Env = env
	if b, err := again.CombinedOutput(); err == nil || !strings.Contains(string(b), "already exists") {
		t.Errorf("user lost across restart: %v %s", err, b)
	}
	stop(cmd, out)
}

func waitReady(t *testing.T, url string, out fmt.Stringer) {
	t.Helper()
	ready := false
	defer func() {
		if !ready { // testwait failed the test: show what the server said
			t.Logf("output so far:\n%s", out)
		}
	}()
	testwait.UntilNil(t, testwait.Long, url, func() error {
		res, err := http.Get(url)
		if err != nil {
			return err
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return errors.New(res.Status)
		}
		return nil
	})
	ready = true
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// postgresOn lists postgres processes whose command line names dir.
func postgresOn(dir string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(b), "postgres") && strings.Contains(string(b), dir) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
