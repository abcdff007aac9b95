// Package pglocal runs Switchboard's embedded default: a private PostgreSQL
// cluster started from the system's server binaries, listening only on a
// unix socket inside the data directory, and stopped with Switchboard.
package pglocal

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries can be found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found. " +
	"Install them (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL to an existing PostgreSQL")

// FindBinaries returns the directory holding initdb and postgres. It looks on
// PATH, then at `pg_config --bindir`, then in /usr/lib/postgresql/*/bin; the
// newest version wins, so an upgrade is picked up without configuration.
func FindBinaries() (string, error) {
	return findBinaries(os.Getenv("PATH"), "/usr/lib/postgresql")
}

func findBinaries(pathEnv, debianRoot string) (string, error) {
	candidates := filepath.SplitList(pathEnv)
	if pgConfig, err := lookIn(pathEnv, "pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil { //nolint:gosec,noctx // pg_config found on PATH, as a shell would run it; a quick query at start, no context to hand
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin")); len(matches) > 0 {
		candidates = append(candidates, matches...)
	}
	best, bestVersion := "", -1
	for _, dir := range candidates {
		if !isExec(filepath.Join(dir, "initdb")) || !isExec(filepath.Join(dir, "postgres")) {
			continue
		}
		if v := majorVersion(dir); v > bestVersion {
			best, bestVersion = dir, v
		}
	}
	if best == "" {
		return "", ErrNoBinaries
	}
	return best, nil
}

// majorVersion asks `postgres --version` ("postgres (PostgreSQL) 15.18").
func majorVersion(dir string) int {
	out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output() //nolint:gosec,noctx // a quick query at start, no context to hand; a candidate PostgreSQL binary directory from PATH or the Debian layout
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return 0
	}
	major, _, _ := strings.Cut(fields[len(fields)-1], ".")
	n, _ := strconv.Atoi(major)
	return n
}

func lookIn(pathEnv, name string) (string, error) {
	for _, dir := range filepath.SplitList(pathEnv) {
		if p := filepath.Join(dir, name); isExec(p) {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

func isExec(p string) bool {
	st, err := os.Stat(p) //nolint:gosec // a candidate PostgreSQL binary directory from PATH or the Debian layout
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}
