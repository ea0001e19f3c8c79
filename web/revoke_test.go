package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// liveRecheck makes every server made after it recheck a live stream's
// user this often.
func liveRecheck(t *testing.T, d time.Duration) {
	old := defaultLiveRecheck
	defaultLiveRecheck = d
	t.Cleanup(func() { defaultLiveRecheck = old })
}

// TestMovedTraineeLosesTerminalAndStream: a trainee's terminal on her
// team's host and her live stream were authorised when they opened; an
// instructor's move out of the team closes both, with a reason, within the
// recheck interval, and the audit log says so. Another team's trainee
// keeps hers.
func TestMovedTraineeLosesTerminalAndStream(t *testing.T) {
	termLimits(t, func(l *terminalLimits) { l.Recheck = 20 * time.Millisecond })
	liveRecheck(t, 20*time.Millisecond)
	var log termLog
	rt := newTermRuntime()
	f := newFixture(t, withTerminals(t, rt, xtermReady, &log))
	ana, beto := f.signedIn("ana"), f.signedIn("beto")
	term, _, err := termDial(t, f, ana, "/terminal/ex/cl1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := termDial(t, f, beto, "/terminal/ex/co1/portal/ws")
	if err != nil {
		t.Fatal(err)
	}
	stream, stop := f.stream(t, ana, "/events/ex")
	defer stop()

	ines := f.signedIn("ines")
	res := ines.post("/instruct/ex/move", url.Values{"csrf": {ines.csrf("/instruct/ex")}, "trainee": {"ana"}, "team": {"co1"}, "reason": {"colCERT is one short"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d\n%s", res.StatusCode, res.body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := term.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "access revoked" {
			t.Errorf("ana's terminal after her move: %v, want close 1008 \"access revoked\"", err)
		}
		break
	}
	var closed bool
	for {
		ev, err := stream.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("ana's stream after her move: %v, want its end", err)
			}
			break
		}
		if ev.event == "closed" {
			closed = true
		}
	}
	if !closed {
		t.Errorf("ana's stream ended without a closed event")
	}

	// beto's terminal is still his: it echoes what he types.
	if err := other.Write(ctx, websocket.MessageBinary, []byte("echo still here\r")); err != nil {
		t.Fatal(err)
	}
	termRead(t, other, func(_ websocket.MessageType, _ []byte, out string) bool {
		return strings.Contains(out, "still here\r\n")
	})

	// The server logs a closing once the connection is closed: the log
	// may come after the close frame.
	logged := func(event string) string {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			for _, line := range strings.Split(log.String(), "\n") {
				if strings.Contains(line, event) {
					return line
				}
			}
		}
		t.Fatalf("the log has no %q:\n%s", event, log.String())
		return ""
	}
	for _, event := range []string{
		`msg="terminal closed" user=ana role=trainee exercise=ex team=cl1 host=portal`,
		`msg="live stream closed" user=ana role=trainee exercise=ex team=cl1`,
	} {
		if line := logged(event); !strings.Contains(line, `reason="the user may no longer see this team (moved, or gone)"`) {
			t.Errorf("the log says %s; want the reason", line)
		}
	}
	if strings.Contains(log.String(), `msg="terminal closed" user=beto`) {
		t.Errorf("beto's terminal closed:\n%s", log.String())
	}

	// Her new stream is her new team's: co1's team events, not cl1's.
	stream2, stop2 := f.stream(t, ana, "/events/ex")
	defer stop2()
	for _, ev := range []scoreboard.Event{
		{Team: "cl1", Kind: scoreboard.EventInject, Text: "inject for cl1", Audience: scoreboard.AudienceTeam},
		{Team: "co1", Kind: scoreboard.EventInject, Text: "inject for co1", Audience: scoreboard.AudienceTeam},
	} {
		ev.Moment = scoreboard.Moment{At: time.Now()}
		if _, err := f.store.AddEvent(ctx, "ex", ev); err != nil {
			t.Fatal(err)
		}
	}
	for {
		ev, err := stream2.next()
		if err != nil {
			t.Fatalf("ana's new stream: %v", err)
		}
		if ev.event != "log" {
			continue
		}
		var e apiEvent
		json.Unmarshal([]byte(ev.data), &e)
		if e.Text != "inject for co1" {
			t.Errorf("ana's new stream's first event: %q, want co1's", e.Text)
		}
		break
	}
}

// TestDoubleFireFiresOnce: firing an attack that has not run is checked
// and stored in one transaction, so that submits at once (a double click,
// two instructors) fire it once: one succeeds, the others are asked to
// confirm a re-fire; a confirmed re-fire then fires it again.
func TestDoubleFireFiresOnce(t *testing.T) {
	f, d := instructFixture(t)
	ctx := context.Background()
	c := f.signedIn("ines")
	createDrill(t, c)
	eng, _ := d.Engine("drill")
	if err := eng.Start(ctx, "ines", 1); err != nil {
		t.Fatal(err)
	}
	api := f.apiToken("ines")
	const attack, fires = "portal-password-spray", 16
	// Each submit has its own connection, open before the barrier, so
	// that they reach the server at once.
	browsers := make([]*http.Client, fires+1)
	for i := range browsers {
		browsers[i] = &http.Client{Transport: &http.Transport{}}
		res, err := browsers[i].Get(f.http.URL + "/static/app.css")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	fire := func(browser int, confirm bool) (int, string) {
		body, _ := json.Marshal(map[string]any{"team": "cl1", "attack": attack, "confirm": confirm})
		req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/api/v1/instruct/exercises/drill/fire", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+api)
		res, err := browsers[browser].Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	start := make(chan struct{})
	statuses := make([]int, fires)
	bodies := make([]string, fires)
	var wg sync.WaitGroup
	for i := range fires {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i], bodies[i] = fire(i, false)
		}()
	}
	close(start)
	wg.Wait()
	ok, refused := 0, 0
	for i, st := range statuses {
		switch {
		case st == http.StatusOK:
			ok++
		case st == http.StatusConflict && strings.Contains(bodies[i], `"field":"confirm"`) && strings.Contains(bodies[i], "has already run against team cl1 (1×)"):
			refused++
		default:
			t.Errorf("fire %d: %d %s", i, st, bodies[i])
		}
	}
	manual := func() int {
		execs, err := f.store.Executions(ctx, "drill")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range execs {
			if x.Team == "cl1" && x.Attack == attack && x.Trigger == scoreboard.TriggerManual {
				n++
			}
		}
		return n
	}
	if ok != 1 || refused != fires-1 || manual() != 1 {
		t.Fatalf("%d fires at once: %d fired, %d asked to confirm, %d executions; want 1, %d, 1", fires, ok, refused, manual(), fires-1)
	}
	if st, body := fire(fires, true); st != http.StatusOK || !strings.Contains(body, "it had run 1×") {
		t.Errorf("confirmed re-fire: %d %s", st, body)
	}
	if n := manual(); n != 2 {
		t.Errorf("after a confirmed re-fire: %d executions, want 2", n)
	}
}
