package orchestrator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ImageImporter is a runtime that can make an image from a root file system,
// which is how a range gets a Debian base image with no registry to pull
// from.
type ImageImporter interface {
	ImportImage(ctx context.Context, rootfs io.Reader, refs []string) error
}

// BaseImages are the tags the bootstrapped Debian base gets: the first lets
// Dockerfiles that start FROM debian:bookworm-slim build unchanged.
var BaseImages = []string{"debian:bookworm-slim", "cordillera/debian:bookworm"}

// BootstrapOptions says how to make the Debian base image.
type BootstrapOptions struct {
	Suite  string   // Debian release; "bookworm" when empty
	Mirror string   // Debian mirror; the machine's own when empty
	Tags   []string // BaseImages when empty
	// Force builds the image even when the first tag exists already.
	Force bool
}

// ErrBootstrapTool is returned when the machine cannot run debootstrap.
var ErrBootstrapTool = errors.New("cannot run debootstrap")

// Bootstrap makes a minimal Debian image from a Debian package mirror with
// debootstrap and imports it into the engine. It does nothing when the image
// exists, unless opts.Force. Each line debootstrap prints goes to progress.
// It reports whether it built the image.
func Bootstrap(ctx context.Context, rt Runtime, opts BootstrapOptions, progress func(string)) (bool, error) {
	if opts.Suite == "" {
		opts.Suite = "bookworm"
	}
	if len(opts.Tags) == 0 {
		opts.Tags = BaseImages
	}
	if opts.Mirror == "" {
		opts.Mirror = SystemMirror()
	}
	if !opts.Force {
		exists, err := rt.ImageExists(ctx, opts.Tags[0])
		if err != nil {
			return false, err
		}
		if exists {
			progress(fmt.Sprintf("%s is already on the engine; nothing to do (--force builds it again)", opts.Tags[0]))
			return false, nil
		}
	}
	importer, ok := rt.(ImageImporter)
	if !ok {
		return false, fmt.Errorf("this runtime cannot import images")
	}
	debootstrap, err := exec.LookPath("debootstrap")
	if err != nil {
		return false, fmt.Errorf("%w: it is not installed; install it with `apt-get install debootstrap`", ErrBootstrapTool)
	}
	if os.Geteuid() != 0 {
		return false, fmt.Errorf("%w: it must run as root to build a root file system; run this command with sudo", ErrBootstrapTool)
	}
	dir, err := os.MkdirTemp("", "cordillera-rootfs-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)

	progress(fmt.Sprintf("debootstrap %s from %s", opts.Suite, opts.Mirror))
	cmd := exec.CommandContext(ctx, debootstrap, "--variant=minbase", opts.Suite, dir, opts.Mirror)
	if err := runWithProgress(cmd, progress); err != nil {
		return false, fmt.Errorf("debootstrap %s from %s: %w", opts.Suite, opts.Mirror, err)
	}
	// Downloaded packages are not part of the system; leave them out.
	if debs, _ := filepath.Glob(filepath.Join(dir, "var/cache/apt/archives/*.deb")); len(debs) > 0 {
		for _, d := range debs {
			os.Remove(d)
		}
	}

	progress(fmt.Sprintf("importing as %s", strings.Join(opts.Tags, ", ")))
	tar := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", dir, "-c", ".")
	stream, err := tar.StdoutPipe()
	if err != nil {
		return false, err
	}
	var tarErr strings.Builder
	tar.Stderr = &tarErr
	if err := tar.Start(); err != nil {
		return false, fmt.Errorf("tar the root file system: %w", err)
	}
	importErr := importer.ImportImage(ctx, stream, opts.Tags)
	io.Copy(io.Discard, stream) // let tar finish if the import stopped early
	if err := tar.Wait(); err != nil {
		return false, fmt.Errorf("tar the root file system: %v: %s", err, strings.TrimSpace(tarErr.String()))
	}
	if importErr != nil {
		return false, importErr
	}
	progress(fmt.Sprintf("%s is ready", opts.Tags[0]))
	return true, nil
}

// runWithProgress runs cmd and passes each line it prints to progress; on
// failure the error holds the last lines, which say why.
func runWithProgress(cmd *exec.Cmd, progress func(string)) error {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	var last []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			progress(line)
			last = append(last, line)
			if len(last) > 5 {
				last = last[1:]
			}
		}
	}()
	err := cmd.Wait()
	pw.Close()
	<-done
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.Join(last, " / "))
	}
	return nil
}

// SystemMirror is the Debian mirror this machine's apt uses, so that an
// air-gapped range uses its local mirror without being told; the public one
// otherwise.
func SystemMirror() string {
	for _, path := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if m := MirrorIn(string(data)); m != "" {
			return m
		}
	}
	return "http://deb.debian.org/debian"
}

// MirrorIn finds the first Debian archive (not the security archive) in an
// apt sources file, in either the one-line or the deb822 format.
func MirrorIn(sources string) string {
	for _, line := range strings.Split(sources, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 2 && fields[0] == "URIs:":
			if !strings.Contains(fields[1], "security") {
				return fields[1]
			}
		case len(fields) >= 3 && fields[0] == "deb":
			uri := fields[1]
			if strings.HasPrefix(uri, "[") { // deb [options] uri suite
				for _, f := range fields[1:] {
					if strings.Contains(f, "://") {
						uri = f
						break
					}
				}
			}
			if strings.Contains(uri, "://") && !strings.Contains(uri, "security") {
				return uri
			}
		}
	}
	return ""
}
