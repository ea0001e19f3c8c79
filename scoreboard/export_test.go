package scoreboard

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was exported (run go test -update to accept, then review the diff):\n%s", path, got)
	}
}

func TestExportGolden(t *testing.T) {
	ctx := context.Background()
	s := scripted(t)
	for _, tc := range []struct{ what, format, exercise string }{
		{"standings", "csv", "andes-2026-q4"},
		{"standings", "json", "andes-2026-q4"},
		{"ledger", "csv", "andes-2026-q4"},
		{"ledger", "json", "andes-2026-q4"},
		{"statistics", "csv", "andes-2026-q4"},
		{"statistics", "json", "andes-2026-q4"},
		{"trends", "csv", ""},
		{"trends", "json", ""},
		{"stix", "json", "andes-2026-q4"},
	} {
		t.Run(tc.what+"."+tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Export(ctx, s, tc.exercise, tc.what, tc.format, &buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.what+"."+tc.format, buf.Bytes())
		})
	}
}

func TestExportRefuses(t *testing.T) {
	ctx := context.Background()
	s := scripted(t)
	for _, tc := range []struct {
		name, exercise, what, format string
		err                          error
	}{
		{"unknown format", "andes-2026-q4", "standings", "xlsx", ErrInvalid},
		{"unknown export", "andes-2026-q4", "teams", "csv", ErrInvalid},
		{"STIX as CSV", "andes-2026-q4", "stix", "csv", ErrInvalid},
		{"trends of one exercise", "andes-2026-q4", "trends", "csv", ErrInvalid},
		{"standings of no exercise", "", "standings", "csv", ErrInvalid},
		{"unknown exercise", "andes-2025", "ledger", "json", ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Export(ctx, s, tc.exercise, tc.what, tc.format, &buf); !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
}
