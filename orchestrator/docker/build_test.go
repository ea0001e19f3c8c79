package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// TestBuildImages builds a recipe on the engine, finds it up to date the
// second time, and reports a recipe that fails with the engine's reason.
func TestBuildImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt := newRuntime(t)
	ex := newExercise()
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
	write("good/Dockerfile", "FROM scratch\nCOPY motd /etc/motd\n")
	write("good/motd", "Bienvenidos\n")
	write("bad/Dockerfile", "FROM scratch\nCOPY missing-file /x\n")
	good := orchestrator.Recipe{Name: "good", Dir: filepath.Join(dir, "good"), Tag: "cordillera-test/good:" + ex}
	bad := orchestrator.Recipe{Name: "bad", Dir: filepath.Join(dir, "bad"), Tag: "cordillera-test/bad:" + ex}
	t.Cleanup(func() {
		rt.RemoveImage(context.Background(), good.Tag)
		rt.RemoveImage(context.Background(), bad.Tag)
	})

	var lines []string
	built, err := orchestrator.BuildImages(ctx, rt, []orchestrator.Recipe{good}, false, func(l string) { lines = append(lines, l) })
	if err != nil || len(built) != 1 {
		t.Fatalf("build: %v, built %v", err, built)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "COPY motd /etc/motd") {
		t.Errorf("the build's steps were not shown:\n%s", strings.Join(lines, "\n"))
	}
	if label, ok, err := rt.ImageLabel(ctx, good.Tag, orchestrator.LabelSource); err != nil || !ok || len(label) != 64 {
		t.Errorf("source label %q, exists %v, %v", label, ok, err)
	}
	built, err = orchestrator.BuildImages(ctx, rt, []orchestrator.Recipe{good}, false, func(string) {})
	if err != nil || len(built) != 0 {
		t.Errorf("second build: %v, built %v; want it up to date", err, built)
	}

	_, err = orchestrator.BuildImages(ctx, rt, []orchestrator.Recipe{bad}, false, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "missing-file") {
		t.Errorf("failing recipe: %v; want the engine's reason naming missing-file", err)
	}
	if _, ok, _ := rt.ImageLabel(ctx, "cordillera-test/absent:"+ex, orchestrator.LabelSource); ok {
		t.Error("an absent image was found")
	}
}
