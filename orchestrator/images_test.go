package orchestrator_test

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
)

func TestMirrorFromAptSources(t *testing.T) {
	tests := []struct{ name, sources, want string }{
		{"deb822", "Types: deb\nURIs: http://mirror.local/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\n", "http://mirror.local/debian"},
		{"security first", "Types: deb\nURIs: http://deb.debian.org/debian-security\n\nTypes: deb\nURIs: http://deb.debian.org/debian\n", "http://deb.debian.org/debian"},
		{"one-line", "# comment\ndeb http://ftp.cl.debian.org/debian bookworm main\n", "http://ftp.cl.debian.org/debian"},
		{"one-line with options", "deb [arch=amd64 signed-by=/k.gpg] http://ftp.co.debian.org/debian bookworm main\n", "http://ftp.co.debian.org/debian"},
		{"none", "deb-src http://x/debian bookworm main\n", ""},
	}
	for _, tt := range tests {
		if got := orchestrator.MirrorIn(tt.sources); got != tt.want {
			t.Errorf("%s: mirror %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestBootstrapSkipsAnExistingImage(t *testing.T) {
	f := orchestratortest.New("debian:bookworm-slim")
	var said []string
	built, err := orchestrator.Bootstrap(context.Background(), f, orchestrator.BootstrapOptions{}, func(s string) { said = append(said, s) })
	if err != nil || built {
		t.Fatalf("built=%v, %v; want nothing done", built, err)
	}
	if len(said) != 1 || !strings.Contains(said[0], "already on the engine") {
		t.Errorf("progress %q; want it to say the image is there", said)
	}
}

func TestBootstrapNeedsAnImporter(t *testing.T) {
	_, err := orchestrator.Bootstrap(context.Background(), orchestratortest.New(), orchestrator.BootstrapOptions{}, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "cannot import images") {
		t.Errorf("err = %v; want the runtime refused", err)
	}
}

// builderFake is the fake engine with an image builder that remembers the
// source label of what it built.
type builderFake struct {
	*orchestratortest.Runtime
	labels map[string]string
	built  []string
	files  map[string][]string // tag → the names in its build context
	ids    map[string]int      // tag → how often the image was made again
}

func (b *builderFake) BuildImage(_ context.Context, build orchestrator.ImageBuild, progress func(string)) error {
	progress("Step 1/1 : FROM scratch")
	if b.files != nil {
		tr := tar.NewReader(build.Context)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			b.files[build.Tags[0]] = append(b.files[build.Tags[0]], h.Name)
		}
	}
	for _, tag := range build.Tags {
		b.labels[tag] = build.Labels[orchestrator.LabelSource]
		b.AddImages(tag)
		b.built = append(b.built, tag)
	}
	return nil
}

// ImageID is the fake's image ID: the tag and how many builds made it.
func (b *builderFake) ImageID(_ context.Context, ref string) (string, error) {
	if !b.HasImage(ref) {
		return "", nil
	}
	return fmt.Sprintf("%s#%d", ref, b.ids[ref]), nil
}

func (b *builderFake) ImageLabel(_ context.Context, ref, label string) (string, bool, error) {
	v, ok := b.labels[ref]
	return v, ok, nil
}

func writeRecipe(t *testing.T, dir, name, dockerfile string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildImages(t *testing.T) {
	dir := t.TempDir()
	writeRecipe(t, dir, "web", "FROM debian:bookworm-slim\nRUN true\n")
	writeRecipe(t, dir, "tiny", "FROM scratch\n")
	os.MkdirAll(filepath.Join(dir, "notes"), 0o755) // no Dockerfile: not a recipe
	recipes, err := orchestrator.Recipes(dir)
	if err != nil || len(recipes) != 2 || recipes[0].Tag != "cordillera/tiny:1" || recipes[1].Tag != "cordillera/web:1" {
		t.Fatalf("recipes = %+v, %v", recipes, err)
	}
	ctx := context.Background()
	b := &builderFake{Runtime: orchestratortest.New(), labels: map[string]string{}}

	_, err = orchestrator.BuildImages(ctx, b, recipes, false, func(string) {})
	if !errors.Is(err, orchestrator.ErrImageMissing) || !strings.Contains(err.Error(), "images bootstrap") {
		t.Fatalf("without the base image: %v; want ErrImageMissing saying to bootstrap", err)
	}

	b.AddImages("debian:bookworm-slim")
	b.built = nil
	built, err := orchestrator.BuildImages(ctx, b, recipes, false, func(string) {})
	if err != nil || len(built) != 1 || built[0] != "web" {
		t.Fatalf("built %v, %v; want web only, tiny being up to date from the first call", built, err)
	}

	var said []string
	built, _ = orchestrator.BuildImages(ctx, b, recipes, false, func(s string) { said = append(said, s) })
	if len(built) != 0 || len(said) != 2 || !strings.Contains(said[1], "up to date") {
		t.Errorf("unchanged recipes: built %v, said %q; want nothing built", built, said)
	}

	// The base made again (images bootstrap --force): what starts FROM it
	// is out of date.
	b.ids = map[string]int{"debian:bookworm-slim": 1}
	built, _ = orchestrator.BuildImages(ctx, b, recipes, false, func(string) {})
	if len(built) != 1 || built[0] != "web" {
		t.Errorf("after the base was made again, built %v; want web, which starts FROM it", built)
	}

	if err := os.WriteFile(filepath.Join(dir, "web", "index.html"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	built, _ = orchestrator.BuildImages(ctx, b, recipes, false, func(string) {})
	if len(built) != 1 || built[0] != "web" {
		t.Errorf("after a change to web's folder, built %v; want web", built)
	}
	built, _ = orchestrator.BuildImages(ctx, b, recipes, true, func(string) {})
	if len(built) != 2 {
		t.Errorf("forced: built %v; want both", built)
	}
}

func TestBuildImagesShareTheCommonFolder(t *testing.T) {
	dir := t.TempDir()
	writeRecipe(t, dir, "web", "FROM scratch\nCOPY common/init /init\n")
	writeRecipe(t, dir, "db", "FROM scratch\nCOPY common/init /init\n")
	if err := os.MkdirAll(filepath.Join(dir, "common"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "common", "init"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A Dockerfile in common/ does not make it a recipe.
	if err := os.WriteFile(filepath.Join(dir, "common", "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recipes, err := orchestrator.Recipes(dir)
	if err != nil || len(recipes) != 2 {
		t.Fatalf("recipes = %+v, %v; want db and web, not common", recipes, err)
	}
	ctx := context.Background()
	b := &builderFake{Runtime: orchestratortest.New(), labels: map[string]string{}, files: map[string][]string{}}
	if _, err := orchestrator.BuildImages(ctx, b, recipes, false, func(string) {}); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"cordillera/db:1", "cordillera/web:1"} {
		if !slices.Contains(b.files[tag], "common/init") || !slices.Contains(b.files[tag], "Dockerfile") {
			t.Errorf("%s's context holds %q; want its Dockerfile and common/init", tag, b.files[tag])
		}
	}

	if err := os.WriteFile(filepath.Join(dir, "common", "init"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	built, err := orchestrator.BuildImages(ctx, b, recipes, false, func(string) {})
	if err != nil || len(built) != 2 {
		t.Errorf("after a change in common/, built %v, %v; want both images again", built, err)
	}
}
