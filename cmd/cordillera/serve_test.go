package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// TestServeDemo runs `cordillera serve --demo` as a user would and reads
// what it printed to reach the pages and the API.
func TestServeDemo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &out, stderr: &out}, []string{"serve", "--demo", "--listen", addr,
			"--db", filepath.Join(t.TempDir(), "cordillera.db"), "--exercise", "../../scenarios/exercises/andes-demo.hcl"})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, out.String())
		}
	}()

	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := get("/", ""); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer:\n%s", out.String())
		}
	}
	printed := out.String()
	for _, want := range []string{"trainee-cl-csirt", "trainee-co-colcert", "Join codes of exercise andes-demo"} {
		if !strings.Contains(printed, want) {
			t.Errorf("serve --demo did not print %q:\n%s", want, printed)
		}
	}
	if code, body := get("/scoreboard/andes-demo", ""); code != http.StatusOK || !strings.Contains(body, "colCERT") {
		t.Errorf("the scoreboard: %d\n%s", code, body)
	}
	token := regexp.MustCompile(`cdt_[A-Za-z0-9_-]+`).FindString(printed)
	if code, body := get("/api/v1/exercises/andes-demo/statistics", token); code != http.StatusOK || !strings.Contains(body, "cl-csirt") {
		t.Errorf("the statistics with the manager's printed token %q: %d\n%s", token, code, body)
	}
	if code, _ := get("/api/v1/exercises/andes-demo/statistics", ""); code != http.StatusUnauthorized {
		t.Errorf("the statistics without a token: %d, want 401", code)
	}
}

// TestServeStartsTheExercise is the demo's path on a small range: serve
// --start answers at once, deploys in the background, printing the
// progress, and starts the clock; stopped and started again on the same
// file, it takes the running exercise up rather than start it anew.
func TestServeStartsTheExercise(t *testing.T) {
	rt := needDocker(t)
	file, name := testExercise(t, rt, "timeline")
	db := filepath.Join(t.TempDir(), "cordillera.db")
	serve := func(wantLine string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var out syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, &env{stdout: &out, stderr: &out}, []string{"serve", "--listen", "127.0.0.1:0", "--db", db,
				"--exercise", file, "--start", "--speed", "10", "--scorebot-image", dockertest.Image})
		}()
		defer func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d:\n%s", code, out.String())
			}
		}()
		for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(out.String(), wantLine); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not print %q:\n%s", wantLine, out.String())
			}
		}
		printed := out.String()
		if i, j := strings.Index(printed, "web interface: http://"), strings.Index(printed, "Deploying exercise"); i < 0 || j < i {
			t.Errorf("serve did not answer before deploying:\n%s", printed)
		}
		if !regexp.MustCompile(`\[\d+/\d+\] create host`).MatchString(printed) && !strings.Contains(printed, "Nothing to change") {
			t.Errorf("no progress of the deployment:\n%s", printed)
		}
	}
	serve("Exercise " + name + " is running.")

	store, err := scoreboard.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock, err := store.Clock(context.Background(), name)
	if err != nil || clock.State != scoreboard.ClockRunning || clock.Speed != 10 {
		t.Fatalf("after serve --start: %+v, %v", clock, err)
	}
	controls, _, err := store.Controls(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	serve("Nothing to change")
	again, _, err := store.Controls(context.Background(), name)
	if err != nil || len(again) != len(controls) {
		t.Errorf("a second serve --start changed the clock: %d controls, then %d (%v)", len(controls), len(again), err)
	}
}
