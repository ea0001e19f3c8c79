package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/image"

	"github.com/cordillera-range/cordillera/orchestrator"
)

var _ orchestrator.ImageImporter = (*Runtime)(nil)

// ImportImage makes an image of a root file system given as a tar stream,
// and tags it with every ref.
func (r *Runtime) ImportImage(ctx context.Context, rootfs io.Reader, refs []string) error {
	if len(refs) == 0 {
		return errors.New("import image: no tag to give it")
	}
	out, err := r.cli.ImageImport(ctx, image.ImportSource{Source: rootfs, SourceName: "-"}, refs[0],
		image.ImportOptions{Changes: []string{`CMD ["bash"]`}})
	if err != nil {
		return fmt.Errorf("import image %s: %w", refs[0], r.check(err))
	}
	defer out.Close()
	if err := engineStreamError(out); err != nil {
		return fmt.Errorf("import image %s: %w", refs[0], err)
	}
	for _, ref := range refs[1:] {
		if err := r.cli.ImageTag(ctx, refs[0], ref); err != nil {
			return fmt.Errorf("tag %s as %s: %w", refs[0], ref, r.check(err))
		}
	}
	return nil
}

// RemoveImage removes an image by reference.
func (r *Runtime) RemoveImage(ctx context.Context, ref string) error {
	_, err := r.cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	return r.check(err)
}

// engineStreamError reads a stream of the engine's JSON progress messages
// to its end and returns the error it reports, if any: the engine answers
// 200 and reports failures inside the stream.
func engineStreamError(stream io.Reader) error {
	dec := json.NewDecoder(stream)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading the engine's answer: %w", err)
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}
