package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// getWith sends a GET with extra headers.
func (c *client) getWith(path string, headers ...string) response {
	c.f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.http.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func recordPoint(t *testing.T, f *fixture, round int) {
	t.Helper()
	_, err := f.store.RecordCheck(context.Background(), scoreboard.CheckResult{
		Exercise: "ex", Team: "cl1", Host: "web", Service: "http", Round: round, Up: true, Detail: "200 OK",
		Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Duration(round) * time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPublicStandingsKeptUntilTheNextWrite: the public standings are one
// reply until the store is written: the same ETag, 304 to a browser that
// has it, compressed for one that takes gzip; the next write makes it
// again, with the new points.
func TestPublicStandingsKeptUntilTheNextWrite(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	const path = "/api/v1/exercises/ex/standings"
	first := c.get(path)
	expect(t, first, http.StatusOK, `"exercise":"ex"`)
	etag := first.Header.Get("ETag")
	if etag == "" || first.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("standings: ETag %q, Cache-Control %q; want an ETag, no-cache", etag, first.Header.Get("Cache-Control"))
	}
	if again := c.get(path); again.Header.Get("ETag") != etag || again.body != first.body {
		t.Errorf("standings again without a write: ETag %q, want %q", again.Header.Get("ETag"), etag)
	}
	if res := c.getWith(path, "If-None-Match", etag); res.StatusCode != http.StatusNotModified || res.body != "" {
		t.Errorf("standings with If-None-Match %s: %d %q, want 304 and nothing", etag, res.StatusCode, res.body)
	}
	gz := c.getWith(path, "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("standings for a browser that takes gzip: Content-Encoding %q", gz.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, []byte(first.body)) {
		t.Errorf("gzip standings unpack to %q, want %q", plain, first.body)
	}

	recordPoint(t, f, 1)
	after := c.getWith(path, "If-None-Match", etag)
	if after.StatusCode != http.StatusOK || after.Header.Get("ETag") == etag || after.body == first.body {
		t.Errorf("standings after a write, with the old ETag: %d, ETag %q: want 200, a new ETag and new points:\n%s", after.StatusCode, after.Header.Get("ETag"), after.body)
	}
	// Staff's live view is made for each request.
	mara := f.signedIn("mara")
	if live := mara.get(path + "?view=live"); live.StatusCode != http.StatusOK || live.Header.Get("ETag") != "" {
		t.Errorf("staff's live standings: %d, ETag %q; want them made afresh", live.StatusCode, live.Header.Get("ETag"))
	}
}

// TestScoreboardPageKeptForVisitors: a visitor's scoreboard page is one
// copy per language until the next write, carries no one's token and sets
// no cookie; a signed-in user's is their own.
func TestScoreboardPageKeptForVisitors(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	first := c.get("/scoreboard/ex")
	expect(t, first, http.StatusOK, "CSIRT Chile", `method="get" action="/lang"`)
	if strings.Contains(first.body, `name="csrf"`) || first.Header.Get("Set-Cookie") != "" {
		t.Errorf("a visitor's kept page carries a token or sets a cookie: Set-Cookie %q", first.Header.Get("Set-Cookie"))
	}
	other := f.client()
	if got := other.get("/scoreboard/ex"); got.Header.Get("ETag") != first.Header.Get("ETag") || got.body != first.body {
		t.Errorf("another visitor gets another page: ETag %q, want %q", got.Header.Get("ETag"), first.Header.Get("ETag"))
	}
	// The switch of a kept page: a link that sets the visitor's cookie.
	res := c.get("/lang?lang=es&next=/scoreboard/ex")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/scoreboard/ex" {
		t.Fatalf("GET /lang: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	es := c.get("/scoreboard/ex")
	expect(t, es, http.StatusOK, `<html lang="es">`, "Países")
	if es.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Error("the Spanish page has the English page's ETag")
	}
	expect(t, c.get("/lang?lang=fr&next=/"), http.StatusBadRequest)
	if res := c.get("/lang?lang=en&next=https://evil.example/"); res.Header.Get("Location") != "/" {
		t.Errorf("GET /lang to another site: to %q, want /", res.Header.Get("Location"))
	}

	recordPoint(t, f, 1)
	if got := other.get("/scoreboard/ex"); got.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Error("the visitor's page after a write has the same ETag")
	}
	ana := f.signedIn("ana")
	mine := ana.get("/scoreboard/ex")
	expect(t, mine, http.StatusOK, "ana", `name="csrf"`)
	if mine.Header.Get("ETag") != "" {
		t.Errorf("a signed-in user's page is a kept one: ETag %q", mine.Header.Get("ETag"))
	}
}

// TestKeptPageFollowsARunningClock: while the clock runs, a kept page is
// made again once a second for the time it shows, written to or not.
func TestKeptPageFollowsARunningClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	f := newFixture(t, func(c *Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	ctx := context.Background()
	if _, err := f.store.Control(ctx, "ex", scoreboard.Control{Kind: scoreboard.ControlStart, Author: "ines", Speed: 1, Moment: scoreboard.Moment{At: now}}); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	first := c.get("/scoreboard/ex").Header.Get("ETag")
	if got := c.get("/scoreboard/ex").Header.Get("ETag"); got != first {
		t.Errorf("within the second: ETag %q, want %q", got, first)
	}
	mu.Lock()
	now = now.Add(1500 * time.Millisecond)
	mu.Unlock()
	if got := c.get("/scoreboard/ex").Header.Get("ETag"); got == first {
		t.Error("1.5 s later on a running clock, the page was not made again")
	}
	// The standings show no clock: kept until the next write.
	s1 := c.get("/api/v1/exercises/ex/standings").Header.Get("ETag")
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if s2 := c.get("/api/v1/exercises/ex/standings").Header.Get("ETag"); s2 != s1 {
		t.Errorf("standings a minute later with no write: ETag %q, want %q", s2, s1)
	}
}

// TestStaffStreamsSayEveryWrite: a write to the store reaches staff's
// streams at once as "changed", which the instructors' page reads itself
// again on; a visitor's stream does not carry it.
func TestStaffStreamsSayEveryWrite(t *testing.T) {
	f := newFixture(t)
	staff, stop := f.stream(t, f.signedIn("ines"), "/events/ex")
	defer stop()
	visitor, stopVisitor := f.stream(t, f.client(), "/events/ex")
	defer stopVisitor()
	for _, r := range []sseReader{staff, visitor} {
		for seen := map[string]bool{}; !seen["scores"] || !seen["clock"]; {
			ev, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			seen[ev.event] = true
		}
	}
	recordPoint(t, f, 1)
	if _, err := f.store.AddEvent(context.Background(), "ex", scoreboard.Event{Kind: scoreboard.EventControl, Text: "marker", Audience: scoreboard.AudiencePublic, Moment: scoreboard.Moment{At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := staff.next()
		if err != nil {
			t.Fatalf("no changed event on staff's stream after a write: %v", err)
		}
		if ev.event == "changed" {
			if !strings.Contains(ev.data, `"version":`) {
				t.Errorf("changed event: %q", ev.data)
			}
			break
		}
	}
	for {
		ev, err := visitor.next()
		if err != nil {
			t.Fatalf("the visitor's stream ended before the marker: %v", err)
		}
		if ev.event == "changed" {
			t.Fatalf("a visitor's stream carries staff's changed event: %q", ev.data)
		}
		if ev.event == "log" && strings.Contains(ev.data, "marker") {
			break
		}
	}
}

// TestAnotherProcessWriteReachesAServer: a served server sees what another
// process writes to its file (here another Store on it): its live streams
// carry the new standings and its kept standings are made again.
func TestAnotherProcessWriteReachesAServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "shared.db")
	mine, err := scoreboard.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	if err := mine.CreateExercise(ctx, scoreboard.Exercise{Name: "ex", Title: "Andes test", Scenario: "water-utility", Scoring: scenarios.DefaultScoring()},
		[]scoreboard.Team{{ID: "cl1", Name: "CSIRT Chile", Country: "CL"}, {ID: "co1", Name: "colCERT", Country: "CO"}}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: mine, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(ctx, ln) }()
	defer func() { cancel(); <-served }()
	base := "http://" + ln.Addr().String()
	get := func(path string) *http.Response {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	before := get("/api/v1/exercises/ex/standings")
	before.Body.Close()

	sctx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"/events/ex", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := sseReader{bufio.NewReader(res.Body)}
	for seen := map[string]bool{}; !seen["scores"] || !seen["clock"]; {
		ev, err := r.next()
		if err != nil {
			t.Fatal(err)
		}
		seen[ev.event] = true
	}

	other, err := scoreboard.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.RecordCheck(ctx, scoreboard.CheckResult{Exercise: "ex", Team: "cl1", Host: "web", Service: "http", Round: 1, Up: true,
		Moment: scoreboard.Moment{At: time.Now(), Elapsed: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := r.next()
		if err != nil {
			t.Fatalf("no scores event after another process's write: %v", err)
		}
		if ev.event == "scores" {
			if !strings.Contains(ev.data, `"cl1"`) {
				t.Fatalf("scores event: %s", ev.data)
			}
			break
		}
	}
	after := get("/api/v1/exercises/ex/standings")
	after.Body.Close()
	if after.Header.Get("ETag") == before.Header.Get("ETag") {
		t.Errorf("the kept standings after another process's write have the same ETag %s", after.Header.Get("ETag"))
	}
}
