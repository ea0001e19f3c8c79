package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Live updates: one hub per exercise wakes when the store is written (at
// once for this process's writes, within Config.Poll for another
// process's), reads what changed and fans it out to every open stream of
// that exercise, so that a thousand viewers cost one read per write. Each
// stream has a small buffer; a stream that falls behind is dropped and its
// browser reconnects.

// message is one server-sent event; Team is set on team events, for the
// streams to filter.
type message struct {
	Event string
	Team  string
	Data  []byte
	// event is set on log messages, for visibility checks.
	event *scoreboard.Event
	// staff: only staff's streams carry it.
	staff bool
}

type apiEvent struct {
	ID   int64  `json:"id"`
	Team string `json:"team,omitempty"`
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Audience is who may read it: public, team or staff.
	Audience string `json:"audience"`
	At       string `json:"at"`
	Elapsed  string `json:"elapsed"`
}

type hubs struct {
	s *publicPages
	// recheck is how often a signed-in user's stream reads the user again.
	recheck time.Duration
	mu      sync.Mutex
	m       map[string]*hub
}

// defaultLiveRecheck is every server's hubs.recheck; tests change it
// before making a server.
var defaultLiveRecheck = 5 * time.Second

type hub struct {
	exercise string
	subs     map[chan message]bool
	cancel   context.CancelFunc
	// born is the store's version, and lastEvent its last event, when
	// the hub began: what its first stream read after subscribing is at
	// least that new, so the hub says whatever comes after.
	born      uint64
	lastEvent int64
}

func newHubs(s *publicPages) *hubs {
	return &hubs{s: s, recheck: defaultLiveRecheck, m: map[string]*hub{}}
}

// subscribe opens a stream of an exercise's changes; the hub starts with
// its first stream and stops with its last.
func (h *hubs) subscribe(exercise string) (chan message, func()) {
	ch := make(chan message, 16)
	h.mu.Lock()
	defer h.mu.Unlock()
	hb := h.m[exercise]
	if hb == nil {
		ctx, cancel := context.WithCancel(context.Background())
		hb = &hub{exercise: exercise, subs: map[chan message]bool{}, cancel: cancel, born: h.s.store.Version()}
		if evs, err := h.s.store.LastEvents(ctx, exercise, 1); err == nil && len(evs) > 0 {
			hb.lastEvent = evs[0].ID
		}
		h.m[exercise] = hb
		go h.poll(ctx, hb)
	}
	hb.subs[ch] = true
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if hb.subs[ch] {
			delete(hb.subs, ch)
			close(ch)
		}
		if len(hb.subs) == 0 && h.m[exercise] == hb {
			hb.cancel()
			delete(h.m, exercise)
		}
	}
}

// broadcast hands a message to every stream; a full stream is dropped.
func (h *hubs) broadcast(hb *hub, m message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range hb.subs {
		select {
		case ch <- m:
		default:
			delete(hb.subs, ch)
			close(ch)
		}
	}
}

func (h *hubs) poll(ctx context.Context, hb *hub) {
	s := h.s
	var lastScores, lastClock []byte
	lastEvent, lastVersion := hb.lastEvent, hb.born
	first := true
	for {
		// Taken before reading: a write while reading wakes the next turn.
		version, changed := s.store.Changed()
		// The first turn says what it reads only if something was
		// written since the hub began: its streams read that much.
		say := !first || version != hb.born
		if b, err := s.scoresJSON(ctx, hb.exercise); err == nil && !bytes.Equal(b, lastScores) {
			if say {
				h.broadcast(hb, message{Event: "scores", Data: b})
			}
			lastScores = b
		}
		if b, err := clockJSON(ctx, s.store, hb.exercise, s.now()); err == nil && !bytes.Equal(b, lastClock) {
			if say {
				h.broadcast(hb, message{Event: "clock", Data: b})
			}
			lastClock = b
		}
		if evs, err := s.store.Events(ctx, hb.exercise, lastEvent, 100); err == nil {
			for _, ev := range evs {
				lastEvent = ev.ID
				b, _ := json.Marshal(eventOut(ev))
				h.broadcast(hb, message{Event: "log", Team: ev.Team, Data: b, event: &ev})
			}
		} else if ctx.Err() == nil {
			s.log.Warn("live updates: reading events", "exercise", hb.exercise, "err", err)
		}
		// The instructors' page shows more than the streams carry (checks
		// that score nothing, attack states): it is told that something
		// was written, and reads itself again.
		if version != lastVersion {
			h.broadcast(hb, message{Event: "changed", Data: fmt.Appendf(nil, `{"version":%d}`, version), staff: true})
			lastVersion = version
		}
		first = false
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

func eventOut(ev scoreboard.Event) apiEvent {
	return apiEvent{ID: ev.ID, Team: ev.Team, Kind: ev.Kind, Text: ev.Text, Audience: ev.Audience, At: apiTime(ev.At), Elapsed: scenarios.Clock(ev.Elapsed)}
}

// scoresJSON is the public standings, as the API serves them: one copy per
// write for the streams and the API alike.
func (pub *publicPages) scoresJSON(ctx context.Context, exercise string) ([]byte, error) {
	r, err := pub.publicStandings(ctx, exercise)
	return bytes.TrimSuffix(r.body, []byte("\n")), err
}

// publicStandings is the public standings' reply, kept until the next
// write.
func (pub *publicPages) publicStandings(ctx context.Context, exercise string) (kept, error) {
	return pub.replies.current("standings\x00"+exercise, func() (made, error) {
		st, err := pub.store.Standings(ctx, exercise, scoreboard.Public)
		if err != nil {
			return made{}, err
		}
		b, err := json.Marshal(standingsOut(st))
		return made{body: append(b, '\n'), ctype: echo.MIMEApplicationJSON}, err
	})
}

// clockJSON is the clock's state, not its reading: it changes on a start,
// pause or change of speed, and browsers tick between changes.
func clockJSON(ctx context.Context, store exerciseReader, exercise string, now time.Time) ([]byte, error) {
	c, err := store.Clock(ctx, exercise)
	if err != nil {
		return nil, err
	}
	out := clockOut(c, c.Since.At)
	out.Elapsed, out.ElapsedMS = scenarios.Clock(c.Since.Elapsed), c.Since.Elapsed.Milliseconds()
	return json.Marshal(struct {
		apiClock
		Since string `json:"since"`
	}{out, apiTime(c.Since.At)})
}

// events streams an exercise's changes as server-sent events: "scores"
// (the public standings) when they change, "clock" when the clock starts,
// stops or changes speed, and "log" for each new event the viewer may see.
func (pub *publicPages) events(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("exercise")
	// Subscribed before reading, so that nothing written after the read
	// goes unsaid.
	ch, unsubscribe := pub.hubs.subscribe(name)
	defer unsubscribe()
	scores, err := pub.scoresJSON(ctx, name)
	if err != nil {
		return err
	}
	clock, err := clockJSON(ctx, pub.store, name, pub.now())
	if err != nil {
		return err
	}
	u := viewerOf(c).user
	var recheck <-chan time.Time // a visitor sees public events only: nothing to recheck
	if u != nil {
		t := time.NewTicker(pub.hubs.recheck)
		defer t.Stop()
		recheck = t.C
	}
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	send(w, message{Event: "clock", Data: clock})
	send(w, message{Event: "scores", Data: scores})
	w.Flush()

	beat := time.NewTicker(pub.heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-pub.closing:
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
		case <-recheck:
			// The stream shows what u could see when it opened; a trainee
			// moved to another team (or a user gone) reconnects and gets
			// a stream for who they are now.
			if err := recheckUser(ctx, pub.accounts, pub.log, u.Name, func(now *scoreboard.User) bool { return sameSight(u, now) }); err != nil {
				pub.log.Info("live stream closed", "user", u.Name, "role", u.Role, "exercise", name, "team", u.Team, "ip", c.RealIP(), "reason", reasonText(err))
				send(w, message{Event: "closed", Data: []byte(`{"reason":"access changed"}`)})
				w.Flush()
				return nil
			}
		case m, ok := <-ch:
			if !ok {
				return nil // dropped: the browser reconnects
			}
			if m.event != nil && !eventVisible(u, name, *m.event) || m.staff && (u == nil || !isStaff(u)) {
				continue
			}
			if err := send(w, m); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// sameSight says whether a user, read again, sees the same events as
// when a stream opened: the same role, in the same exercise and team.
func sameSight(then, now *scoreboard.User) bool {
	return now.Role == then.Role && now.Exercise == then.Exercise && now.Team == then.Team
}

// errAccessRevoked is why a long-lived connection (a terminal, a live
// stream) closes when its user may no longer have it.
var errAccessRevoked = errors.New("the user may no longer see this team (moved, or gone)")

// recheckUser reads a signed-in user again for a connection that outlives
// the request that authorised it, and says errAccessRevoked when may
// refuses who they are now, or they are gone. A store that cannot answer
// for the moment is logged and the connection kept: it is asked again at
// the next tick.
func recheckUser(ctx context.Context, users userFinder, log *slog.Logger, name string, may func(*scoreboard.User) bool) error {
	u, err := users.UserByName(ctx, name)
	switch {
	case errors.Is(err, scoreboard.ErrNotFound):
		return errAccessRevoked
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("rechecking a connection's user", "user", name, "err", err)
		}
		return nil
	case !may(&u):
		return errAccessRevoked
	}
	return nil
}

// userFinder finds a user by name, as recheckUser does.
type userFinder interface {
	UserByName(ctx context.Context, name string) (scoreboard.User, error)
}

func send(w http.ResponseWriter, m message) error {
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Event, m.Data)
	return err
}
