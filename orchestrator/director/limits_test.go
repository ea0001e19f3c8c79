package director_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/director"
)

// TestUploadedScenarioLimits: an upload is validated under the loader's
// limits, so a hostile file is refused with a diagnostic on its line,
// quickly, rather than killing the server (70,000 nested brackets overflowed
// its stack) or keeping it busy for half a minute and gigabytes (three
// nested for-expressions over range(200)), and a capability that escapes
// the container is refused too.
func TestUploadedScenarioLimits(t *testing.T) {
	d := paperDirector(t, openStore(t, filepath.Join(t.TempDir(), "d.db")))
	head := "scenario \"hostile\" {\n  title    = \"t\"\n  duration = \"1h\"\n  summary  = "
	tail := "\n}\nnetwork \"lan\" {}\nhost \"web\" {\n  image        = \"x\"\n  networks     = [network.lan]\n  capabilities = [\"CAP_CAP_SYS_ADMIN\"]\n}\n"
	tests := []struct {
		name, summary, src string
	}{
		{"nesting", "Nesting too deep", head + strings.Repeat("[", 70000) + strings.Repeat("]", 70000) + tail},
		{"cost", "Expression too costly", head + `"${length(flatten([for i in range(200) : [for j in range(200) : [for k in range(200) : k]]]))}"` + tail},
		{"capability", "Unknown capability", head + `"fine"` + tail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			diags, err := d.CheckScenario("hostile", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			// A sanity bound, not the limit: the limits are counts.
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("CheckScenario took %s", took)
			}
			for _, dg := range diags {
				if dg.Severity == "error" && dg.Summary == tt.summary {
					if dg.File != director.UploadedFile("hostile") || dg.Line == 0 {
						t.Errorf("%q is at %s:%d, want a line of %s", dg.Summary, dg.File, dg.Line, director.UploadedFile("hostile"))
					}
					return
				}
			}
			t.Errorf("no error %q in %+v", tt.summary, diags)
		})
	}
}
