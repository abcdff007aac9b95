// Package backup writes and reads Switchboard backups: one tar file holding a
// manifest (format, schema version, row count of every table, checksum of the
// dump), a pg_dump custom-format archive of the database taken from the very
// snapshot that was counted, and the data dir's secret key when Switchboard
// generated it. pg_dump and pg_restore do the database work; this package
// runs them, checks what they produced and refuses to write over data.
package backup

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Format names the layout of a backup file; a reader refuses other formats.
const Format = "switchboard-backup/1"

// Names of the members of the tar file, in the order they are written.
const (
	manifestName = "manifest.json"
	dumpName     = "database.pgdump"
	keyName      = "secret.key"
)

// Manifest describes a backup; it is the archive's first member, so a
// reader learns what to expect before reading the dump.
type Manifest struct {
	Format        string    `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int64     `json:"schema_version"`
	ServerVersion int       `json:"server_version_num"`
	PgDump        string    `json:"pg_dump_version"`
	// Tables holds the row count of every table at the dump's snapshot.
	Tables map[string]int64 `json:"tables"`
	Dump   Member           `json:"dump"`
	// SecretKey says whether the data dir's secret key is in the archive.
	SecretKey bool `json:"secret_key"`
}

// Member is a file in the archive with its size and SHA-256.
type Member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Rows is the total number of rows over all tables.
func (m *Manifest) Rows() int64 {
	var n int64
	for _, c := range m.Tables {
		n += c
	}
	return n
}

// writeArchive writes manifest, the dump file and the key (if any) to out
// atomically: a crash leaves either the old file or the complete new one.
func writeArchive(out string, m *Manifest, dumpPath string, key []byte) error {
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".*.partial")
	if err != nil {
		return fmt.Errorf("create backup file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	tw := tar.NewWriter(tmp)
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeMember(tw, manifestName, mj, m.CreatedAt); err != nil {
		return err
	}
	f, err := os.Open(dumpPath) //nolint:gosec // our own temporary dump
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only
	if err := tw.WriteHeader(&tar.Header{Name: dumpName, Mode: 0o600, Size: m.Dump.Size, ModTime: m.CreatedAt}); err != nil {
		return err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("write dump into backup: %w", err)
	}
	if key != nil {
		if err := writeMember(tw, keyName, key, m.CreatedAt); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("move backup into place: %w", err)
	}
	done = true
	return nil
}

func writeMember(tw *tar.Writer, name string, b []byte, at time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: at}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

// Archive is an opened backup: its manifest, its dump extracted to a
// temporary file (checked against the manifest's size and checksum), and the
// secret key if it carries one. Close removes the temporary file.
type Archive struct {
	Manifest  Manifest
	SecretKey []byte
	dumpPath  string
	tmpDir    string
}

// ErrDamaged marks a backup file that is truncated or altered.
var ErrDamaged = errors.New("backup file is damaged or truncated")

// Open reads and checks the backup at path. The dump is extracted beside
// the system's temp files (pg_restore needs a seekable file).
func Open(path string) (*Archive, error) {
	f, err := os.Open(path) //nolint:gosec // the operator names the backup file
	if err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	}
	defer f.Close() //nolint:errcheck // read-only
	tmpDir, err := os.MkdirTemp("", "switchboard-restore-")
	if err != nil {
		return nil, err
	}
	a := &Archive{tmpDir: tmpDir}
	if err := a.read(tar.NewReader(f)); err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func (a *Archive) read(tr *tar.Reader) error {
	hdr, err := tr.Next()
	if err != nil {
		return fmt.Errorf("%w: no manifest (%w)", ErrDamaged, err)
	}
	if hdr.Name != manifestName {
		return fmt.Errorf("not a Switchboard backup: first member is %q, want %s", hdr.Name, manifestName)
	}
	mj, err := io.ReadAll(io.LimitReader(tr, 64<<20))
	if err != nil {
		return fmt.Errorf("%w: manifest: %w", ErrDamaged, err)
	}
	if err := json.Unmarshal(mj, &a.Manifest); err != nil {
		return fmt.Errorf("%w: manifest: %w", ErrDamaged, err)
	}
	if a.Manifest.Format != Format {
		return fmt.Errorf("unknown backup format %q (this Switchboard reads %s)", a.Manifest.Format, Format)
	}
	if hdr, err = tr.Next(); err != nil || hdr.Name != dumpName {
		return fmt.Errorf("%w: the database dump is missing", ErrDamaged)
	}
	a.dumpPath = filepath.Join(a.tmpDir, dumpName)
	out, err := os.OpenFile(a.dumpPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), tr)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: reading the dump after %d bytes: %w", ErrDamaged, n, err)
	}
	if n != a.Manifest.Dump.Size || hex.EncodeToString(h.Sum(nil)) != a.Manifest.Dump.SHA256 {
		return fmt.Errorf("%w: the dump has %d bytes and a different checksum than the manifest says (%d bytes)", ErrDamaged, n, a.Manifest.Dump.Size)
	}
	if a.Manifest.SecretKey {
		if hdr, err = tr.Next(); err != nil || hdr.Name != keyName {
			return fmt.Errorf("%w: the secret key is missing", ErrDamaged)
		}
		if a.SecretKey, err = io.ReadAll(io.LimitReader(tr, 4096)); err != nil {
			return fmt.Errorf("%w: secret key: %w", ErrDamaged, err)
		}
	}
	if _, err := tr.Next(); err != io.EOF {
		return fmt.Errorf("%w: unexpected data after the last member", ErrDamaged)
	}
	return nil
}

// Close removes the extracted dump.
func (a *Archive) Close() {
	if a.tmpDir != "" {
		_ = os.RemoveAll(a.tmpDir)
	}
}

// fileSum returns the size and SHA-256 of the file at path.
func fileSum(path string) (int64, string, error) {
	f, err := os.Open(path) //nolint:gosec // our own temporary dump
	if err != nil {
		return 0, "", err
	}
	defer f.Close() //nolint:errcheck // read-only
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
