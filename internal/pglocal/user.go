package pglocal

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// owner is the unprivileged account PostgreSQL runs as when we are root;
// initdb and postgres refuse to run as root.
type owner struct {
	uid, gid uint32
	name     string
}

// serverOwner returns nil when we are not root (PostgreSQL runs as us).
func serverOwner() (*owner, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		return &owner{uid: uint32(uid), gid: uint32(gid), name: name}, nil
	}
	return nil, fmt.Errorf("running as root, but there is no unprivileged user (postgres) to run PostgreSQL as; create one with: useradd --system postgres")
}

func (o *owner) credential() *syscall.SysProcAttr {
	if o == nil {
		return &syscall.SysProcAttr{}
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: o.uid, Gid: o.gid}}
}

// chownTree gives dir and everything in it to o.
func (o *owner) chownTree(dir string) error {
	if o == nil {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(o.uid), int(o.gid)) //nolint:gosec // Lchown follows no symlink, and the tree is the cluster directory this process just created
	})
}

// ensureTraversable makes sure the server user can reach dir through its
// parents (a 0700 temp dir owned by root would lock it out).
func (o *owner) ensureTraversable(dir string) error {
	if o == nil {
		return nil
	}
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, st.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("make %s reachable for user %s: %w", p, o.name, err)
			}
		}
	}
	return nil
}
