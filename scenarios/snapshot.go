package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// MaxSourceSize bounds the complete source of a scenario that an exercise
// keeps ([CopySource]): its files and its build contexts together.
const MaxSourceSize = 32 << 20

// Source is the complete source of a scenario as an exercise keeps it, so
// that every later plan of the exercise comes from this copy and not from
// whatever the scenario is by then (a bundled scenario changed by an
// upgrade, a folder edited on disk), like a saved Terraform plan.
type Source struct {
	// Dir is the name diagnostics give the scenario's folder, such as
	// "library/water-utility".
	Dir string
	// Files holds every file that loading the scenario and planning the
	// exercise read (the .hcl files, every file() argument) and every file
	// and folder of every build context, by its path in the scenario's
	// folder.
	Files map[string]SourceFile
	// Contexts is the hash of each build context's files, by the context's
	// path ([Build.Context]); [Source.Verify] checks the files against it.
	Contexts map[string]string
}

// SourceFile is one entry of a [Source]: a regular file (Mode its
// permissions, Data its bytes), a folder of a build context (Mode has
// fs.ModeDir) or a symbolic link in one (Mode has fs.ModeSymlink, Data is
// its target).
type SourceFile struct {
	Mode fs.FileMode
	Data []byte
}

// CopySource copies the complete source of sc, which must have been loaded
// by a [Loader] from its folder, for the exercise ex: it loads sc's folder
// again, plans ex on it, and keeps every file that read, then adds every
// file of every build context. The diagnostics are those of that load and
// plan; the copy is nil when they have errors, or with an error when the
// source is larger than [MaxSourceSize] or cannot be read.
func CopySource(sc *Scenario, ex *Exercise) (*Source, hcl.Diagnostics, error) {
	if sc == nil || sc.fsys == nil {
		return nil, nil, fmt.Errorf("the scenario was not loaded from a folder, so it has no source to copy")
	}
	return CopySourceFS(sc.fsys, sc.Dir, ex)
}

// CopySourceFS is [CopySource] of the scenario whose folder is the root of
// fsys, display naming it in diagnostics, without loading it beforehand:
// the copy loads and plans it once, through a recorder.
func CopySourceFS(fsys fs.FS, display string, ex *Exercise) (*Source, hcl.Diagnostics, error) {
	rec := &recorder{fsys: fsys, files: map[string]SourceFile{}}
	again, diags := NewLoader().LoadScenarioFS(rec, ".", display)
	if again == nil || diags.HasErrors() {
		return nil, diags, nil
	}
	_, d := Plan(again, ex)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags, nil
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.err != nil {
		return nil, diags, rec.err
	}
	src := &Source{Dir: display, Files: rec.files, Contexts: map[string]string{}}
	for _, b := range builds(again) {
		if _, ok := src.Contexts[b.Context]; ok {
			continue
		}
		if err := src.addContext(fsys, b.Context); err != nil {
			return nil, diags, fmt.Errorf("build context %s: %w", b.Context, err)
		}
		src.Contexts[b.Context] = src.contextHash(b.Context)
	}
	if n := src.Size(); n > MaxSourceSize {
		return nil, diags, fmt.Errorf("the scenario's files and build contexts come to %d MiB, and an exercise keeps at most %d MiB of them: build large images beforehand (cordillera images build) and name them with image = \"...\"", n>>20, MaxSourceSize>>20)
	}
	return src, diags, nil
}

func builds(sc *Scenario) []*Build {
	var out []*Build
	for _, h := range sc.Hosts {
		if h.Build != nil {
			out = append(out, h.Build)
		}
	}
	for _, a := range sc.Attackers {
		if a.Build != nil {
			out = append(out, a.Build)
		}
	}
	return out
}

// addContext copies every folder, link and regular file of a build context,
// as the orchestrator packs them for the engine.
func (s *Source) addContext(fsys fs.FS, dir string) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return err
	}
	var total int64
	return fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := path.Join(dir, p)
		switch {
		case d.IsDir():
			s.Files[name] = SourceFile{Mode: fs.ModeDir | info.Mode().Perm()}
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(sub, p)
			if err != nil {
				return err
			}
			s.Files[name] = SourceFile{Mode: fs.ModeSymlink | 0o777, Data: []byte(target)}
		case info.Mode().IsRegular():
			if total += info.Size(); total > MaxSourceSize {
				return fmt.Errorf("it holds more than the %d MiB an exercise keeps of its scenario: build the image beforehand (cordillera images build) and name it with image = \"...\"", MaxSourceSize>>20)
			}
			data, err := fs.ReadFile(sub, p)
			if err != nil {
				return err
			}
			s.Files[name] = SourceFile{Mode: info.Mode().Perm(), Data: data}
		}
		return nil
	})
}

// contextHash hashes what the copy holds of a build context: each entry's
// kind, path, permissions and bytes, in the order of their paths.
func (s *Source) contextHash(dir string) string {
	sum := sha256.New()
	// addContext names a context's entries by path.Join(dir, p), which for
	// a context of the whole folder (".") is p itself: no "./" before it.
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		f := s.Files[name]
		switch {
		case f.Mode.IsDir():
			fmt.Fprintf(sum, "d %s %o\n", rel, f.Mode.Perm())
		case f.Mode&fs.ModeSymlink != 0:
			fmt.Fprintf(sum, "l %s %s\n", rel, f.Data)
		default:
			fmt.Fprintf(sum, "f %s %o %d\n", rel, f.Mode.Perm(), len(f.Data))
			sum.Write(f.Data)
		}
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// Verify checks that the copy holds each build context as it was hashed.
func (s *Source) Verify() error {
	for _, dir := range slices.Sorted(maps.Keys(s.Contexts)) {
		if got := s.contextHash(dir); got != s.Contexts[dir] {
			return fmt.Errorf("the copy of build context %s hashes to %s, not %s as when it was made: the stored copy is damaged", dir, got[:12], s.Contexts[dir][:min(12, len(s.Contexts[dir]))])
		}
	}
	return nil
}

// Size is the number of bytes the copy holds.
func (s *Source) Size() int64 {
	var n int64
	for _, f := range s.Files {
		n += int64(len(f.Data))
	}
	return n
}

// Digest is a hash of the whole copy: two copies with the same digest hold
// the same files.
func (s *Source) Digest() string {
	sum := sha256.New()
	fmt.Fprintf(sum, "dir %s\n", s.Dir)
	for _, name := range slices.Sorted(maps.Keys(s.Files)) {
		f := s.Files[name]
		fmt.Fprintf(sum, "%q %o %d\n", name, uint32(f.Mode), len(f.Data))
		sum.Write(f.Data)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// Changed lists the paths whose entry differs between the copy and other:
// changed, added or removed, in order.
func (s *Source) Changed(other *Source) []string {
	var out []string
	for name, f := range s.Files {
		g, ok := other.Files[name]
		if !ok || g.Mode != f.Mode || string(g.Data) != string(f.Data) {
			out = append(out, name)
		}
	}
	for name := range other.Files {
		if _, ok := s.Files[name]; !ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ChangesIn lists the paths where the scenario's folder fsys (its root the
// scenario's folder, as sc was loaded from) differs from the copy, as
// [Source.Changed] does, without loading or planning the folder: it reads
// the files the copy holds, the .hcl files the folder holds now and the
// build contexts the copy holds. It is how a stored exercise tells that its
// scenario has changed since, cheaply and also when the folder no longer
// loads. A file that a changed .hcl file would read anew is not listed; the
// .hcl file is.
func (s *Source) ChangesIn(fsys fs.FS) []string {
	now := &Source{Dir: s.Dir, Files: map[string]SourceFile{}}
	for _, dir := range slices.Sorted(maps.Keys(s.Contexts)) {
		now.addContext(fsys, dir) // what could not be read is missing, so listed
	}
	names, _ := hclFiles(fsys)
	for name, f := range s.Files {
		if f.Mode.IsRegular() {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if _, ok := now.Files[name]; ok {
			continue
		}
		if info, err := fs.Stat(fsys, name); err == nil && info.Mode().IsRegular() {
			if data, err := readLimited(fsys, name); err == nil {
				now.Files[name] = SourceFile{Mode: info.Mode().Perm(), Data: data}
			}
		}
	}
	return s.Changed(now)
}

// ChangesInScenario is [Source.ChangesIn] the folder sc was loaded from; a
// scenario not loaded from a folder has nothing to compare, and the copy
// is all of it that changed.
func (s *Source) ChangesInScenario(sc *Scenario) []string {
	if sc == nil || sc.fsys == nil {
		return slices.Sorted(maps.Keys(s.Files))
	}
	return s.ChangesIn(sc.fsys)
}

// FS is the copy as a read-only file system, the scenario's folder at its
// root.
func (s *Source) FS() fs.FS {
	m := make(fstest.MapFS, len(s.Files))
	for name, f := range s.Files {
		m[name] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
	}
	return m
}

// LoadSource loads a scenario from a copy of its source, after checking the
// copy ([Source.Verify]). Its file() calls and build contexts reach nothing
// but the copy.
func (l *Loader) LoadSource(s *Source) (*Scenario, hcl.Diagnostics) {
	if err := s.Verify(); err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Damaged scenario copy", Detail: err.Error()}}
	}
	return l.LoadScenarioFS(s.FS(), ".", s.Dir)
}

// recorder is a scenario folder that keeps a copy of every regular file
// read through it.
type recorder struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]SourceFile
	err   error
}

func (r *recorder) Open(name string) (fs.File, error) {
	f, err := r.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() || info.Size() > maxFileSize {
		return f, nil // a folder, or a file the loader refuses anyway
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	f.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if g, ok := r.files[name]; ok && string(g.Data) != string(data) && r.err == nil {
		r.err = fmt.Errorf("%s changed while the scenario was being copied: try again", name)
	}
	r.files[name] = SourceFile{Mode: info.Mode().Perm(), Data: data}
	r.mu.Unlock()
	return fstest.MapFS{name: &fstest.MapFile{Data: data, Mode: info.Mode(), ModTime: info.ModTime()}}.Open(name)
}

func (r *recorder) ReadLink(name string) (string, error) { return fs.ReadLink(r.fsys, name) }

func (r *recorder) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(r.fsys, name) }
