package scenarios_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/scenarios"
)

// A build context of the whole folder (".") is hashed like any other: a
// copy whose file in it was altered is refused as damaged, not planned.
func TestVerifyChecksAContextOfTheWholeFolder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.hcl":      strings.Replace(copiedScenario, `context = "images/web"`, `context = "."`, 1),
		"Dockerfile":    "FROM scratch\nCOPY . /\n",
		"injects/cl.md": "Hola Chile",
		"injects/co.md": "Hola Colombia",
	})
	ex := scenarios.SampleExercise(2)
	live, diags := scenarios.NewLoader().LoadScenario(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	src, diags, err := scenarios.CopySource(live, ex)
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	if _, ok := src.Contexts["."]; !ok || src.Verify() != nil {
		t.Fatalf("contexts %v, verify %v", src.Contexts, src.Verify())
	}
	src.Files["Dockerfile"] = scenarios.SourceFile{Mode: 0o644, Data: []byte("FROM evil\n")}
	if _, diags := scenarios.NewLoader().LoadSource(src); !diags.HasErrors() || !strings.Contains(diags.Error(), "damaged") {
		t.Errorf("a copy whose context . was altered: %v; want refused as damaged", diags)
	}
}

// ChangesIn finds what CopySource of the folder now would show changed,
// without loading it: also when the folder no longer loads, or is gone.
func TestChangesInReadsTheFolderWithoutLoadingIt(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.hcl":              copiedScenario,
		"injects/cl.md":         "Hola Chile",
		"injects/co.md":         "Hola Colombia",
		"images/web/Dockerfile": "FROM scratch\n",
	})
	ex := scenarios.SampleExercise(2)
	live, diags := scenarios.NewLoader().LoadScenario(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	src, _, err := scenarios.CopySource(live, ex)
	if err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(dir)
	if c := src.ChangesIn(fsys); len(c) != 0 {
		t.Errorf("an unchanged folder: changed %v", c)
	}
	writeFiles(t, dir, map[string]string{"injects/cl.md": "Adiós", "images/web/new.txt": "new", "extra.hcl": "# more",
		"main.hcl": "scenario {"})
	want := []string{"extra.hcl", "images/web/new.txt", "injects/cl.md", "main.hcl"}
	if c := src.ChangesIn(fsys); !slices.Equal(c, want) {
		t.Errorf("changed %v, want %v", c, want)
	}
	if err := os.RemoveAll(filepath.Join(dir, "images")); err != nil {
		t.Fatal(err)
	}
	if c := src.ChangesIn(fsys); !slices.Contains(c, "images/web/Dockerfile") {
		t.Errorf("a removed build context is not listed: %v", c)
	}
}
