package docker

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// PutFile writes a file into a container through the engine, as a tar
// stream unpacked at the container's root: the folders on its way are made
// (0755, root's), the file replaced if it is there.
func (r *Runtime) PutFile(ctx context.Context, id, name string, mode fs.FileMode, data []byte) error {
	clean := path.Clean(name)
	if !path.IsAbs(name) || clean == "/" || clean != name {
		return fmt.Errorf("put file %q: the path must be absolute and clean, such as /cordillera/agent", name)
	}
	// The archive is written as the engine reads it: the program is not
	// copied in memory once per container.
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeFileTar(pw, strings.TrimPrefix(clean, "/"), mode, data, time.Now()))
	}()
	err := r.cli.CopyToContainer(ctx, id, "/", pr, container.CopyToContainerOptions{})
	pr.CloseWithError(errors.New("the engine stopped reading"))
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("put file %s: container %s: %w", name, id, orchestrator.ErrNotFound)
		}
		return fmt.Errorf("put file %s: %w", name, r.check(err))
	}
	return nil
}

// writeFileTar writes a tar stream of one file at rel, with an entry for
// each folder above it.
func writeFileTar(w io.Writer, rel string, mode fs.FileMode, data []byte, now time.Time) error {
	tw := tar.NewWriter(w)
	dirs := strings.Split(path.Dir(rel), "/")
	for i := range dirs {
		if dirs[0] == "." {
			break
		}
		dir := strings.Join(dirs[:i+1], "/") + "/"
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: now}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: int64(mode.Perm()), Size: int64(len(data)), ModTime: now}); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	return tw.Close()
}
