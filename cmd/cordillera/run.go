package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

func runRun(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "run", p.text("run.args"), p.text("run.about"))
	rf := addRangeFlags(fs)
	db := fs.String("db", defaultDB(), p.text("flag.db"))
	speed := fs.Float64("speed", 0, p.text("flag.run.speed"))
	noDeploy := fs.Bool("no-deploy", false, p.text("flag.run.nodeploy"))
	down := fs.Bool("down", false, p.text("flag.run.down"))
	wait := fs.Duration("wait", 3*time.Minute, p.text("flag.run.wait"))
	scorebotImage := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, p.text("flag.scorebot"))
	view := fs.String("view", "auto", p.text("flag.run.view"))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *rf.exercise == "" {
		return p.usagef("run.noexercise")
	}
	if *speed < 0 {
		return p.usagef("run.speed", strconv.FormatFloat(*speed, 'g', -1, 64))
	}
	store, err := scoreboard.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	// An exercise run again plans from the scenario it was made from,
	// whatever its folder holds now, with the address pool chosen on the
	// engine when it was first planned with one; the scenario's mistakes
	// are still said before the engine's error.
	rt, rtErr := connect(ctx, e)
	var pools orchestrator.Runtime
	if rtErr == nil {
		defer rt.Close()
		pools = rt
	}
	sc, ex, plans, err := exercisePlansOn(ctx, e, "run", rf, pos, store, pools)
	if err != nil {
		return err
	}
	if rtErr != nil {
		return rtErr
	}

	f, isFile := e.stdout.(*os.File)
	screen := *view == "screen" || *view == "auto" && isFile && isTerminal(f)
	live := newLiveView(e.stdout, p, store, ex.Name, plans, screen)
	eng, err := engine.New(store, rt, sc, ex, plans, engine.Options{})
	if err != nil {
		return err
	}
	if err := eng.Prepare(ctx); err != nil {
		return err
	}
	live.skipHistory(ctx, 5)
	clock, err := store.Clock(ctx, ex.Name)
	if err != nil {
		return err
	}
	if clock.State == scoreboard.ClockEnded {
		p.line(e.stdout, "run.ended", ex.Name)
		fmt.Fprintln(e.stdout)
		return writeStandings(ctx, e.stdout, store, ex.Name)
	}
	if !*noDeploy {
		r, err := deploy.New(plans, orchestrator.Options{ScorebotImage: *scorebotImage})
		if err != nil {
			return err
		}
		if err := deployRange(ctx, e, rt, r, *wait, nil); err != nil {
			return err
		}
	}
	if err := startClock(ctx, e, eng, ex.Name, clock, *speed); err != nil {
		return err
	}
	return drive(ctx, e, eng, live, rt, ex.Name, *db, *down)
}

// startClock starts the exercise's clock, resumes it if paused, or takes
// up a running exercise where it is.
func startClock(ctx context.Context, e *env, eng *engine.Engine, exercise string, clock scoreboard.Clock, speed float64) error {
	const author = "cordillera run"
	p := e.p()
	switch clock.State {
	case scoreboard.ClockCreated:
		return eng.Start(ctx, author, speed)
	case scoreboard.ClockPaused:
		p.line(e.stdout, "run.resuming", exercise, scenarios.Clock(clock.Since.Elapsed))
		return eng.Resume(ctx, author)
	default:
		p.line(e.stdout, "run.takingup", exercise,
			clock.Since.At.Local().Format(time.DateTime), scenarios.Clock(clock.Elapsed(time.Now())))
		return nil
	}
}

// drive runs the exercise's engine until the exercise ends or ctx is done,
// drawing the live view every second, and tears the ranges down at the
// end when down is set.
func drive(ctx context.Context, e *env, eng *engine.Engine, live *liveView, rt orchestrator.Runtime, exercise, db string, down bool) error {
	p := e.p()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			live.draw(context.WithoutCancel(ctx))
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				fmt.Fprintln(e.stdout)
				p.line(e.stdout, "run.stopped", exercise)
				return nil
			}
			fmt.Fprintln(e.stdout)
			p.line(e.stdout, "run.over", exercise, db)
			if down {
				p.line(e.stdout, "run.teardown", exercise)
				if _, err := orchestrator.Down(context.WithoutCancel(ctx), rt, exercise, progress(e.stdout, p, false)); err != nil {
					return err
				}
			}
			return nil
		case <-tick.C:
			live.draw(ctx)
		}
	}
}

// liveView is the text view of a running exercise: its clock, every
// team's score and the last events. On a terminal it redraws one screen;
// elsewhere it prints each event as a line and the scores once a minute.
type liveView struct {
	w        io.Writer
	p        *printer
	store    *scoreboard.Store
	exercise string
	teams    map[string]string // id → country
	screen   bool

	mu       sync.Mutex
	events   []scoreboard.Event
	lastID   int64
	lastDraw time.Time
}

func newLiveView(w io.Writer, p *printer, store *scoreboard.Store, exercise string, plans []*scenarios.TeamPlan, screen bool) *liveView {
	v := &liveView{w: w, p: p, store: store, exercise: exercise, teams: map[string]string{}, screen: screen}
	for _, p := range plans {
		v.teams[p.Team.ID] = p.Team.Country
	}
	return v
}

// skipHistory makes the view start with the last n events of an exercise
// taken up again, not its whole history.
func (v *liveView) skipHistory(ctx context.Context, n int) {
	if events, err := v.store.LastEvents(ctx, v.exercise, n); err == nil && len(events) > 0 {
		v.lastID = events[0].ID - 1
	}
}

// poll reads the events written since the last poll, by this engine or by
// an instructor's control command, and prints them as lines.
func (v *liveView) poll(ctx context.Context) {
	events, err := v.store.Events(ctx, v.exercise, v.lastID, 0)
	if err != nil {
		return
	}
	for _, ev := range events {
		v.lastID = ev.ID
		v.events = append(v.events, ev)
		if !v.screen {
			fmt.Fprintln(v.w, eventLine(ev))
		}
	}
	if len(v.events) > 12 {
		v.events = v.events[len(v.events)-12:]
	}
}

func eventLine(ev scoreboard.Event) string {
	team := ev.Team
	if team == "" {
		team = "-"
	}
	return fmt.Sprintf("%s  %-10s %-8s %s", scenarios.Clock(ev.Elapsed), team, ev.Kind, ev.Text)
}

// draw shows the new events and the scores: on a screen every second, in
// lines every minute.
func (v *liveView) draw(ctx context.Context) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.poll(ctx)
	if !v.screen && time.Since(v.lastDraw) < time.Minute {
		return
	}
	v.lastDraw = time.Now()
	clock, err := v.store.Clock(ctx, v.exercise)
	if err != nil {
		return
	}
	st, err := v.store.Standings(ctx, v.exercise, scoreboard.Live)
	if err != nil {
		return
	}
	var b strings.Builder
	if v.screen {
		b.WriteString("\x1b[H\x1b[2J")
	}
	fmt.Fprintf(&b, "%s  %s  ×%g  %s\n", v.exercise, scenarios.Clock(clock.Elapsed(time.Now())), clock.Speed, clockState(v.p, clock))
	if v.screen {
		b.WriteString("\n")
	}
	for _, t := range st.Teams {
		fmt.Fprintf(&b, "  %2d. %-20s %s %6d ", t.Rank, t.Team.ID, t.Team.Country, t.Total)
		for _, c := range scenarios.Categories {
			if n := t.Categories[c]; n != 0 {
				fmt.Fprintf(&b, " %s %+d", c, n)
			}
		}
		b.WriteString("\n")
	}
	for _, c := range st.Countries {
		fmt.Fprintf(&b, "  %s %.0f", c.Country, c.Total)
	}
	b.WriteString("\n")
	if v.screen {
		b.WriteString("\n" + v.p.text("run.lastevents") + "\n")
		for _, ev := range v.events {
			b.WriteString("  " + eventLine(ev) + "\n")
		}
	}
	io.WriteString(v.w, b.String())
}

// clockState says the clock's state, with the kill switch and the approval
// rule when they are on. The state is the store's word (running, paused...),
// in the printer's language.
func clockState(p *printer, c scoreboard.Clock) string {
	state := c.State
	switch c.State {
	case scoreboard.ClockCreated, scoreboard.ClockRunning, scoreboard.ClockPaused, scoreboard.ClockEnded:
		state = p.text("clock." + c.State)
	}
	if c.Halted {
		state += ", " + p.text("clock.halted")
	}
	if c.Approval {
		state += ", " + p.text("clock.approval")
	}
	return state
}

// writeStandings prints an exercise's final standings.
func writeStandings(ctx context.Context, w io.Writer, store *scoreboard.Store, exercise string) error {
	st, err := store.Standings(ctx, exercise, scoreboard.Live)
	if err != nil {
		return err
	}
	return scoreboard.WriteStandingsCSV(w, st)
}
