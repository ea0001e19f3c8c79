package orchestrator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/orchestratortest"
	"github.com/cordillera-range/cordillera/scenarios"
)

// builtPortal is teamPlans with every team's portal built from files.
func builtPortal(files fstest.MapFS, args map[string]string) []*scenarios.TeamPlan {
	plans := teamPlans()
	for _, p := range plans {
		p.Hosts[0].Image = ""
		p.Hosts[0].Build = &scenarios.Build{Context: "images/portal", Dockerfile: "Dockerfile", Args: args, Files: files}
	}
	return plans
}

func portalFiles(page string) fstest.MapFS {
	return fstest.MapFS{
		"Dockerfile":      {Data: []byte("ARG BASE=debian:bookworm-slim\nFROM ${BASE}\nARG GREETING\nCOPY site/ /srv/\n")},
		"site/index.html": {Data: []byte(page)},
	}
}

var buildTag = regexp.MustCompile(`^cordillera-build/water-portal:[0-9a-f]{12}$`)

func TestBuildBlocks(t *testing.T) {
	ctx := context.Background()
	d := desired(t, builtPortal(portalFiles("hola"), map[string]string{"GREETING": "hola"}))
	if len(d.Builds) != 1 {
		t.Fatalf("%d builds, want one for both teams' portal: %+v", len(d.Builds), d.Builds)
	}
	tag := d.Builds[0].Tag
	if !buildTag.MatchString(tag) {
		t.Errorf("tag %q, want cordillera-build/<scenario>-<host>:<12 hex digits>", tag)
	}
	for _, team := range []string{"team-1", "team-2"} {
		if c, _ := d.Container(orchestrator.Key{Team: team, Role: orchestrator.RoleHost, Name: "portal"}); c.Image != tag {
			t.Errorf("%s's portal runs %q, want the built %q", team, c.Image, tag)
		}
	}

	f := &builderFake{Runtime: orchestratortest.New(), labels: map[string]string{}, files: map[string][]string{}}
	for _, image := range []string{"cordillera/plc:1", "cordillera/attacker:1", orchestrator.DefaultScorebotImage} {
		f.AddImages(image)
	}

	// Without the Debian base, nothing is built or created: the engine
	// would try to pull it.
	_, err := orchestrator.Up(ctx, f, d, nil)
	if !errors.Is(err, orchestrator.ErrImageMissing) || !strings.Contains(err.Error(), "host portal is built FROM debian:bookworm-slim") ||
		!strings.Contains(err.Error(), "cordillera images bootstrap") {
		t.Errorf("without the base: %v; want ErrImageMissing saying to bootstrap", err)
	}
	if len(f.Calls()) != 0 || len(f.built) != 0 {
		t.Errorf("without the base, the engine was asked to %q and built %q", f.Calls(), f.built)
	}
	if err := orchestrator.CheckImages(ctx, f, d); err == nil || !strings.Contains(err.Error(), "images bootstrap") {
		t.Errorf("CheckImages (what up --dry-run says): %v; want the missing base", err)
	}

	f.AddImages("debian:bookworm-slim")
	if err := orchestrator.CheckImages(ctx, f, d); err != nil {
		t.Errorf("CheckImages with the base: %v; want the image to build counted as there", err)
	}
	var lines []string
	built, err := orchestrator.Build(ctx, f, d.Builds, func(l string) { lines = append(lines, l) })
	if err != nil || !slices.Equal(built, []string{tag}) {
		t.Fatalf("build: %v, built %q", err, built)
	}
	if len(lines) == 0 || !strings.Contains(lines[0], "[1/1] building "+tag+" for host portal, from images/portal") {
		t.Errorf("progress %q", lines)
	}
	if f.labels[tag] != d.Builds[0].Source || len(d.Builds[0].Source) != 64 {
		t.Errorf("the image's source label %q, want the context's hash %q", f.labels[tag], d.Builds[0].Source)
	}
	if want := []string{"Dockerfile", "site/", "site/index.html"}; !slices.Equal(f.files[tag], want) {
		t.Errorf("build context %q, want %q", f.files[tag], want)
	}
	plan, err := orchestrator.Up(ctx, f, d, nil)
	if err != nil || len(plan.Actions) != 12 {
		t.Fatalf("up: %v, %d actions; want the range created", err, len(plan.Actions))
	}
	if len(f.built) != 1 {
		t.Errorf("up built %q again", f.built[1:])
	}

	// A second up builds nothing and changes nothing.
	if plan, err := orchestrator.Up(ctx, f, d, nil); err != nil || !plan.Empty() || len(f.built) != 1 {
		t.Errorf("second up: %v, plan:\n%s built %q; want nothing done", err, plan, f.built)
	}

	// A changed file, or arg, is a new image, and the portals are
	// recreated from it.
	changed := desired(t, builtPortal(portalFiles("adiós"), map[string]string{"GREETING": "hola"}))
	args := desired(t, builtPortal(portalFiles("hola"), map[string]string{"GREETING": "chao"}))
	if changed.Builds[0].Tag == tag || args.Builds[0].Tag == tag || changed.Builds[0].Tag == args.Builds[0].Tag {
		t.Errorf("tags %q (first), %q (changed file), %q (changed arg); want three", tag, changed.Builds[0].Tag, args.Builds[0].Tag)
	}
	plan, err = orchestrator.Up(ctx, f, changed, nil)
	if err != nil || len(f.built) != 2 || f.built[1] != changed.Builds[0].Tag {
		t.Fatalf("up of the changed build: %v, built %q", err, f.built)
	}
	if s := plan.String(); strings.Count(s, "(changed)") != 2 || strings.Count(s, "create host") != 2 || !strings.Contains(s, changed.Builds[0].Tag) {
		t.Errorf("plan after the change:\n%s\nwant both portals recreated from the new image", s)
	}
}

func TestBuildFromAnImageNeverPulled(t *testing.T) {
	files := fstest.MapFS{"Dockerfile": {Data: []byte("FROM cordillera/target-web:1 AS web\nFROM scratch\nCOPY --from=web /srv /srv\n")}}
	d := desired(t, builtPortal(files, nil))
	f := &builderFake{Runtime: orchestratortest.New(), labels: map[string]string{}}
	_, err := orchestrator.Build(context.Background(), f, d.Builds, nil)
	if !errors.Is(err, orchestrator.ErrImageMissing) || !strings.Contains(err.Error(), "FROM cordillera/target-web:1, which is not on this engine and is never pulled") {
		t.Errorf("%v; want the missing base named", err)
	}
	f.AddImages("cordillera/target-web:1")
	if built, err := orchestrator.Build(context.Background(), f, d.Builds, nil); err != nil || len(built) != 1 {
		t.Errorf("with the base: %v, built %q", err, built)
	}
}

func TestBuildWithoutItsDockerfile(t *testing.T) {
	plans := builtPortal(fstest.MapFS{"index.html": {Data: []byte("x")}}, nil)
	_, err := orchestrator.NewDesired(plans, orchestrator.Options{})
	if err == nil || strings.Count(err.Error(), `host "portal": build context images/portal: Dockerfile Dockerfile`) != 1 {
		t.Errorf("%v; want the missing Dockerfile named once", err)
	}
}

// TestBuildFromScenarioFolder plans a scenario from its folder, as the
// command line does: the plan carries the build context's files, read
// inside the scenario's folder.
func TestBuildFromScenarioFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.hcl", `scenario "folder" {
  title    = "A built host"
  duration = "1h"
}
network "lan" {}
host "web" {
  networks = [network.lan]
  build {
    context = "images/web"
  }
  service "http" {
    port = 80
    check "tcp" {}
  }
}
`)
	write("images/web/Dockerfile", "FROM scratch\nCOPY motd /etc/motd\n")
	write("images/web/motd", "Bienvenidos\n")
	sc, diags := scenarios.NewLoader().LoadScenario(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plans, diags := scenarios.Plan(sc, scenarios.SampleExercise(2))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := desired(t, plans)
	if len(d.Builds) != 1 || !strings.HasPrefix(d.Builds[0].Tag, "cordillera-build/folder-web:") {
		t.Fatalf("builds %+v", d.Builds)
	}
	f := &builderFake{Runtime: orchestratortest.New(), labels: map[string]string{}, files: map[string][]string{}}
	if _, err := orchestrator.Build(context.Background(), f, d.Builds, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Dockerfile", "motd"}; !slices.Equal(f.files[d.Builds[0].Tag], want) {
		t.Errorf("build context %q, want %q", f.files[d.Builds[0].Tag], want)
	}
}
