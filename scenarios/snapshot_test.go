package scenarios_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

const copiedScenario = `scenario "copied" {
  title    = "Copied"
  duration = "1h"
}

network "lan" {}

host "web" {
  build {
    context = "images/web"
  }
  networks = [network.lan]
}

inject "brief" {
  at      = "1m"
  subject = "Brief"
  body    = file("injects/${lower(team.country)}.md")
}
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A scenario's copy holds what its loading and planning read, and the whole
// of its build contexts with modes and links; planned from the copy, the
// exercise gets the plans and the image it gets from the folder, and none
// of the folder's later changes.
func TestCopySource(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.hcl":              copiedScenario,
		"injects/cl.md":         "Hola Chile",
		"injects/co.md":         "Hola Colombia",
		"injects/ar.md":         "no team is from AR",
		"README.md":             "not read",
		"images/web/Dockerfile": "FROM scratch\nCOPY . /\n",
		"images/web/www/a.html": "<p>a</p>",
	})
	if err := os.Chmod(filepath.Join(dir, "images/web/www/a.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "images/web/empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("www/a.html", filepath.Join(dir, "images/web/index.html")); err != nil {
		t.Fatal(err)
	}
	ex := scenarios.SampleExercise(2)
	ex.Teams[0].Country, ex.Teams[1].Country = "CL", "CO"
	live, diags := scenarios.NewLoader().LoadScenario(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	livePlans, diags := scenarios.Plan(live, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	src, diags, err := scenarios.CopySource(live, ex)
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	got := slices.Sorted(maps.Keys(src.Files))
	want := []string{"images/web/Dockerfile", "images/web/empty", "images/web/index.html", "images/web/www", "images/web/www/a.html",
		"injects/cl.md", "injects/co.md", "main.hcl"}
	if !slices.Equal(got, want) {
		t.Errorf("copied %v\nwant   %v", got, want)
	}
	if f := src.Files["images/web/empty"]; f.Mode != fs.ModeDir|0o700 {
		t.Errorf("empty folder mode %v", f.Mode)
	}
	if f := src.Files["images/web/index.html"]; f.Mode&fs.ModeSymlink == 0 || string(f.Data) != "www/a.html" {
		t.Errorf("link = %v %q", f.Mode, f.Data)
	}
	if len(src.Contexts) != 1 || src.Contexts["images/web"] == "" || src.Verify() != nil {
		t.Errorf("contexts %v, verify %v", src.Contexts, src.Verify())
	}

	tag := func(plans []*scenarios.TeamPlan) string {
		d, err := orchestrator.NewDesired(plans, orchestrator.Options{})
		if err != nil || len(d.Builds) != 1 {
			t.Fatalf("builds %v %v", d, err)
		}
		return d.Builds[0].Tag
	}
	liveTag := tag(livePlans) // the build context is read from the folder now

	// The folder changes after the copy.
	writeFiles(t, dir, map[string]string{"injects/cl.md": "Adiós", "images/web/www/a.html": "<p>b</p>",
		"main.hcl": strings.Replace(copiedScenario, `"1m"`, `"2m"`, 1)})

	kept, diags := scenarios.NewLoader().LoadSource(src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if kept.Dir != live.Dir {
		t.Errorf("the copy is named %s, the folder %s", kept.Dir, live.Dir)
	}
	keptPlans, diags := scenarios.Plan(kept, ex)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a, _ := json.Marshal(livePlans)
	b, _ := json.Marshal(keptPlans)
	if string(a) != string(b) || !strings.Contains(string(b), "Hola Chile") {
		t.Errorf("planned from the copy:\n%s\nfrom the folder as it was:\n%s", b, a)
	}
	if tag(keptPlans) != liveTag {
		t.Errorf("the copy builds %s, the folder as it was %s", tag(keptPlans), liveTag)
	}
	now, _ := scenarios.NewLoader().LoadScenario(dir)
	nowPlans, _ := scenarios.Plan(now, ex)
	if tag(nowPlans) == tag(keptPlans) {
		t.Error("the changed build context builds the same image: the test changes nothing")
	}
	again, _, err := scenarios.CopySource(now, ex)
	if err != nil {
		t.Fatal(err)
	}
	if c := src.Changed(again); !slices.Equal(c, []string{"images/web/www/a.html", "injects/cl.md", "main.hcl"}) {
		t.Errorf("changed = %v", c)
	}

	// A copy whose build context was altered is refused.
	src.Files["images/web/Dockerfile"] = scenarios.SourceFile{Mode: 0o644, Data: []byte("FROM evil\n")}
	if _, diags := scenarios.NewLoader().LoadSource(src); !diags.HasErrors() || !strings.Contains(diags.Error(), "damaged") {
		t.Errorf("an altered copy: %v; want refused as damaged", diags)
	}
}
