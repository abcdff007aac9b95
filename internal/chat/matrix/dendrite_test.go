package matrix_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"

	"switchboard/internal/testwait"
)

// The Matrix tests run against a real homeserver: Dendrite, built from its
// own module with `go install` (never part of this module's go.mod) and
// cached under the user's cache directory, then started once per test run
// on loopback with SQLite databases in a temporary folder.

const dendriteVersion = "v0.13.8"

// dendriteDir is where the binaries are cached between runs; `make
// dendrite` builds into the same place.
func dendriteDir() (string, error) {
	if d := os.Getenv("SWITCHBOARD_DENDRITE_DIR"); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "switchboard", "dendrite-"+dendriteVersion), nil
}

var dendriteTools = []string{"dendrite", "generate-config", "generate-keys"}

// buildDendrite installs Dendrite's commands into dir unless they are
// there already. It runs from a temporary folder so that Dendrite's own
// go.mod decides its dependencies.
func buildDendrite(dir string) error {
	missing := false
	for _, tool := range dendriteTools {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	tmp, err := os.MkdirTemp("", "dendrite-build")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	args := []string{"install"}
	for _, tool := range dendriteTools {
		args = append(args, "github.com/matrix-org/dendrite/cmd/"+tool+"@"+dendriteVersion)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=-buildvcs=false", "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go install dendrite %s: %w\n%s", dendriteVersion, err, out)
	}
	return nil
}

// homeserver is a running Dendrite.
type homeserver struct {
	URL    string
	cmd    *exec.Cmd
	bin    string
	dir    string
	logs   string
	exited chan error
}

// configure builds (once) and configures a homeserver named "localhost"
// with its data in a temporary folder.
func configure() (*homeserver, error) {
	bin, err := dendriteDir()
	if err != nil {
		return nil, err
	}
	if err := buildDendrite(bin); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dendrite")
	if err != nil {
		return nil, err
	}
	run := func(name string, args ...string) ([]byte, error) {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		return cmd.Output()
	}
	if out, err := run("generate-keys", "--private-key", "matrix_key.pem"); err != nil {
		return nil, fmt.Errorf("generate-keys: %w: %s", err, out)
	}
	// -ci: open registration, no rate limits, in-memory JetStream, SQLite
	// files in dir.
	cfg, err := run("generate-config", "-ci", "-server", "localhost", "-dir", dir)
	if err != nil {
		return nil, fmt.Errorf("generate-config: %w", err)
	}
	// Its CI logging is at trace level: keep warnings only.
	conf := strings.ReplaceAll(string(cfg), "level: trace", "level: warn")
	if err := os.WriteFile(filepath.Join(dir, "dendrite.yaml"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	return &homeserver{dir: dir, bin: bin}, nil
}

// launch starts Dendrite on a port that was free a moment ago; if another
// process took it in between, Dendrite exits and ready launches it again.
func (hs *homeserver) launch() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	hs.logs = filepath.Join(hs.dir, "dendrite.log")
	logf, err := os.OpenFile(hs.logs, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(hs.bin, "dendrite"), "--config", "dendrite.yaml", "--http-bind-address", addr,
		"--really-enable-open-registration")
	cmd.Dir = hs.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return err
	}
	hs.exited = make(chan error, 1)
	go func() { hs.exited <- cmd.Wait(); _ = logf.Close() }()
	hs.URL, hs.cmd = "http://"+addr, cmd
	return nil
}

// ready reports nil once the client API answers; a homeserver that exited
// (its port taken) is started again on another.
func (hs *homeserver) ready() error {
	select {
	case err := <-hs.exited:
		b, _ := os.ReadFile(hs.logs)
		if lerr := hs.launch(); lerr != nil {
			return lerr
		}
		return fmt.Errorf("dendrite exited (%w), started again:\n%s", err, tail(string(b)))
	default:
	}
	res, err := http.Get(hs.URL + "/_matrix/client/versions")
	if err != nil {
		return err
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("versions: %s", res.Status)
	}
	return nil
}

// stop ends the homeserver and removes its data.
func (hs *homeserver) stop() {
	if hs.cmd != nil && hs.cmd.Process != nil {
		_ = syscall.Kill(-hs.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case err := <-hs.exited:
			_ = err // a signalled exit is the expected end
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-hs.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	_ = os.RemoveAll(hs.dir)
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

// register makes an account with open registration and returns a client
// signed in as it.
func (hs *homeserver) register(ctx context.Context, name string) (*mautrix.Client, error) {
	cli, err := mautrix.NewClient(hs.URL, "", "")
	if err != nil {
		return nil, err
	}
	resp, err := cli.RegisterDummy(ctx, &mautrix.ReqRegister[any]{Username: name, Password: "correct horse " + name,
		InhibitLogin: false})
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	cli.UserID, cli.AccessToken = resp.UserID, resp.AccessToken
	return cli, nil
}

var (
	once      sync.Once
	server    *homeserver
	serverErr error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.stop()
	}
	os.Exit(code)
}

// needServer starts the homeserver for the first test that needs it, and
// skips (locally) or fails (under CI) when Dendrite cannot be built.
func needServer(t *testing.T) *homeserver {
	t.Helper()
	once.Do(func() {
		hs, err := configure()
		if err == nil {
			err = hs.launch()
		}
		if err != nil {
			serverErr = err
			return
		}
		server = hs
		serverErr = errors.New("dendrite did not start")
		testwait.UntilNil(t, 3*time.Minute, "Dendrite answers on "+hs.URL, hs.ready)
		serverErr = nil
	})
	if serverErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Matrix homeserver (Dendrite %s): %v", dendriteVersion, serverErr)
		}
		t.Skipf("Matrix homeserver (Dendrite %s) not available: %v", dendriteVersion, serverErr)
	}
	return server
}
