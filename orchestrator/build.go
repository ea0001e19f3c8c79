package orchestrator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/cordillera-range/cordillera/scenarios"
)

// BuildRepository is where images built from scenarios' build blocks are
// tagged: cordillera-build/<scenario>-<host or attacker>:<hash>.
const BuildRepository = "cordillera-build"

// BuildSpec is an image a host or attacker is built from, by a build block
// of the scenario. Its tag holds a hash of everything the build reads (the
// context's files, the Dockerfile's path, the args), so an image with that
// tag is the image the block makes, and is not built again.
type BuildSpec struct {
	Tag string
	// Role and Name are the host or attacker that runs the image.
	Role Role
	Name string
	// Dir is the build context's folder in the scenario, for messages.
	Dir        string
	Dockerfile string
	Args       map[string]string
	// Context is the build folder packed for the engine; Source is the
	// hash of what it holds, which the built image carries as LabelSource.
	Context []byte
	Source  string

	// dockerfile is the Dockerfile's text, for the images it starts from.
	dockerfile []byte
}

func (b BuildSpec) what() string { return fmt.Sprintf("%s %s", b.Role, b.Name) }

// prepareBuild packs a build block's context and works out the tag of the
// image it makes.
func prepareBuild(scenario string, role Role, name string, b *scenarios.Build) (BuildSpec, error) {
	if b.Files == nil {
		return BuildSpec{}, fmt.Errorf("built from %s, but the plan does not carry the scenario's files: plan the exercise from its scenario folder", b.Context)
	}
	dockerfile, err := fs.ReadFile(b.Files, b.Dockerfile)
	if err != nil {
		return BuildSpec{}, fmt.Errorf("build context %s: Dockerfile %s: %w", b.Context, b.Dockerfile, unwrapPath(err))
	}
	data, source, err := contextTar(contextRoot{files: b.Files})
	if err != nil {
		return BuildSpec{}, fmt.Errorf("build context %s: %w", b.Context, unwrapPath(err))
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "context %s\ndockerfile %s\n", source, b.Dockerfile)
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		fmt.Fprintf(sum, "arg %q %q\n", k, b.Args[k])
	}
	repo := name
	if scenario != "" {
		repo = scenario + "-" + name
	}
	return BuildSpec{
		Tag:  fmt.Sprintf("%s/%s:%s", BuildRepository, strings.ToLower(repo), hex.EncodeToString(sum.Sum(nil))[:12]),
		Role: role, Name: name, Dir: b.Context, Dockerfile: b.Dockerfile, Args: maps.Clone(b.Args),
		Context: data, Source: source, dockerfile: dockerfile,
	}, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// PendingBuilds returns the builds whose image the engine does not have.
func PendingBuilds(ctx context.Context, rt Runtime, builds []BuildSpec) ([]BuildSpec, error) {
	var pending []BuildSpec
	for _, b := range builds {
		ok, err := rt.ImageExists(ctx, b.Tag)
		if err != nil {
			return nil, fmt.Errorf("image %q: %w", b.Tag, err)
		}
		if !ok {
			pending = append(pending, b)
		}
	}
	return pending, nil
}

// Build builds, one after the other, the images of builds that the engine
// does not have, and returns the tags it built. progress, if not nil, gets a
// line for each image and the lines its build prints. An image whose
// Dockerfile starts FROM an image the engine lacks is not attempted: the
// engine would try to pull it.
func Build(ctx context.Context, rt Runtime, builds []BuildSpec, progress func(string)) ([]string, error) {
	if progress == nil {
		progress = func(string) {}
	}
	pending, err := PendingBuilds(ctx, rt, builds)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	builder, ok := rt.(ImageBuilder)
	if !ok {
		return nil, fmt.Errorf("%s is built from %s, and this runtime cannot build images", pending[0].what(), pending[0].Dir)
	}
	if err := checkBuildBases(ctx, rt, pending); err != nil {
		return nil, err
	}
	var built []string
	for i, b := range pending {
		progress(fmt.Sprintf("[%d/%d] building %s for %s, from %s", i+1, len(pending), b.Tag, b.what(), b.Dir))
		err := builder.BuildImage(ctx, ImageBuild{
			Context: bytes.NewReader(b.Context), Dockerfile: b.Dockerfile, Tags: []string{b.Tag},
			Args: b.Args, Labels: map[string]string{LabelSource: b.Source},
		}, func(line string) { progress("    " + line) })
		if err != nil {
			return built, fmt.Errorf("%s: %w", b.what(), err)
		}
		built = append(built, b.Tag)
	}
	return built, nil
}

// checkBuildBases reports every image the builds start FROM that the
// engine does not have, each with how to get it.
func checkBuildBases(ctx context.Context, rt Runtime, builds []BuildSpec) error {
	var errs []error
	for _, b := range builds {
		for _, base := range dockerfileBases(b.dockerfile, b.Args) {
			ok, err := rt.ImageExists(ctx, base)
			if err != nil {
				return fmt.Errorf("image %q: %w", base, err)
			}
			if !ok {
				errs = append(errs, &missingBaseError{build: b, base: base})
			}
		}
	}
	return errors.Join(errs...)
}

// missingBaseError says that an image a build starts FROM is missing, and
// how to get it.
type missingBaseError struct {
	build BuildSpec
	base  string
}

func (e *missingBaseError) Error() string {
	if slices.Contains(BaseImages, e.base) {
		return fmt.Sprintf("%s is built FROM %s, which is not on this engine: run `cordillera images bootstrap` first", e.build.what(), e.base)
	}
	return fmt.Sprintf("%s is built FROM %s, which is not on this engine and is never pulled: build it first (`cordillera images build` makes the cordillera/* images)", e.build.what(), e.base)
}

// Is makes errors.Is(err, ErrImageMissing) hold.
func (e *missingBaseError) Is(target error) bool { return target == ErrImageMissing }
