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
