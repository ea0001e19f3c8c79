package orchestrator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cordillera-range/cordillera/orchestrator"
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
	f := newFake()
	f.images["debian:bookworm-slim"] = true
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
	_, err := orchestrator.Bootstrap(context.Background(), newFake(), orchestrator.BootstrapOptions{}, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "cannot import images") {
		t.Errorf("err = %v; want the runtime refused", err)
	}
}
