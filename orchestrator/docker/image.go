package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"

	"github.com/cordillera-range/cordillera/orchestrator"
)

var (
	_ orchestrator.ImageImporter = (*Runtime)(nil)
	_ orchestrator.ImageBuilder  = (*Runtime)(nil)
)

// BuildImage builds an image from a Dockerfile, passing each line the build
// prints to progress. The engine never pulls a base image: what a recipe
// starts FROM must be on it.
func (r *Runtime) BuildImage(ctx context.Context, b orchestrator.ImageBuild, progress func(string)) error {
	args := map[string]*string{}
	for k, v := range b.Args {
		args[k] = &v
	}
	resp, err := r.cli.ImageBuild(ctx, b.Context, build.ImageBuildOptions{
		Tags: b.Tags, Dockerfile: b.Dockerfile, BuildArgs: args, Labels: b.Labels,
		Remove: true, ForceRemove: true, PullParent: false,
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", strings.Join(b.Tags, ", "), r.check(err))
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("build %s: reading the engine's answer: %w", strings.Join(b.Tags, ", "), err)
		}
		if msg.Error != "" {
			return fmt.Errorf("build %s: %s", strings.Join(b.Tags, ", "), msg.Error)
		}
		for _, line := range strings.Split(strings.TrimRight(msg.Stream, "\n"), "\n") {
			if strings.TrimSpace(line) != "" {
				progress(line)
			}
		}
	}
}

// ImageLabel returns a label of an image, and whether the image exists.
func (r *Runtime) ImageLabel(ctx context.Context, ref, label string) (string, bool, error) {
	info, err := r.cli.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, r.check(err)
	}
	if info.Config == nil {
		return "", true, nil
	}
	return info.Config.Labels[label], true, nil
}

// ImageID returns the image's ID, or "" when the engine lacks it.
func (r *Runtime) ImageID(ctx context.Context, ref string) (string, error) {
	info, err := r.cli.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", r.check(err)
	}
	return info.ID, nil
}

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
