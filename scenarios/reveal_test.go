package scenarios

import (
	"testing"
	"testing/fstest"
)

func TestRevealPolicy(t *testing.T) {
	for _, tc := range []struct{ scoring, want string }{
		{"", RevealAfterWindow}, // no scoring block: the default
		{`scoring {}`, RevealAfterWindow},
		{`scoring { reveal = "after_window" }`, RevealAfterWindow},
		{`scoring { reveal = "end" }`, RevealEnd},
		{`scoring { reveal = "live" }`, RevealLive},
	} {
		src := `scenario "s" {
  title    = "Reveal"
  summary  = "When teams learn an attack's outcome."
  duration = "1h"
}
network "lan" {}
host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
}
` + tc.scoring + "\n"
		fsys := fstest.MapFS{"s/main.hcl": &fstest.MapFile{Data: []byte(src)}}
		sc, diags := NewLoader().LoadScenarioFS(fsys, "s", "s")
		if diags.HasErrors() {
			t.Fatalf("%q: %v", tc.scoring, diags)
		}
		got := DefaultScoring().Reveal
		if sc.Scoring != nil {
			got = sc.Scoring.Reveal
		}
		if got != tc.want {
			t.Errorf("%q: reveal %q, want %q", tc.scoring, got, tc.want)
		}
	}
}
