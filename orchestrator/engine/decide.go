package engine

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The engine's loop has two halves, as a scheduler has: decide reads what
// is (the exercise's clock, what the store and this engine have recorded,
// the teams' plans, the time) and says what is to be done, as a list of
// actions; the executor (perform) does them, and what comes of them is
// recorded for the next decision. decide touches nothing, so that its
// lists can be compared with literal ones at any time of a virtual clock.

// setting is what decisions read that stays as it is for an engine's life.
type setting struct {
	exercise, seed string
	plans          []*scenarios.TeamPlan
	// duration is the scenario's: the engine ends the exercise then (0:
	// only an instructor does).
	duration     time.Duration
	attackJitter time.Duration
	minRound     time.Duration
	leaseTTL     time.Duration
	// reveal and window are the stored exercise's scoring: when teams learn
	// an attack's outcome, and its detection window.
	reveal string
	window time.Duration
}

// inputs is everything one decision reads.
type inputs struct {
	*setting
	clock scoreboard.Clock
	now   time.Time // the wall clock, read after the exercise's clock
	// executions are the store's attack executions, read while the clock
	// runs, and once it has ended and nothing runs any more.
	executions []scoreboard.Execution
	state      recorded
}

// recorded is what the engine keeps of its own acts between decisions.
type recorded struct {
	renewed   time.Time // the lease, last renewed
	lost      bool      // another engine took the lease over
	lostTo    string    // which
	rounds    map[string]roundState
	delivered map[string]bool // team/inject
	// running is the executions this engine runs: true once told to stop.
	running map[int64]bool
	// drained is set once the exercise has ended and nothing runs.
	drained bool
	// unrevealed is the runs in the ledger not known to be revealed yet,
	// with the exercise time each started at.
	unrevealed map[string]time.Duration
}

// actionKind is what an action does.
type actionKind int

const (
	renewLease    actionKind = iota // take the lease for another LeaseTTL
	giveUp                          // another engine took the lease: stop with an error
	endExercise                     // the scenario's duration is over
	drain                           // wait for every round and attack that runs
	missExecution                   // the exercise ended before a due execution ran
	finish                          // the exercise has ended: Run returns
	stopAttack                      // the kill switch, or the lease lost: cancel a run
	deliverInject                   // an inject fell due
	startRound                      // a team's round fell due
	recordAttack                    // a timeline attack fell due (or missed): store it, start it if approved
	launchAttack                    // an approved execution is not running: run it
	reveal                          // detection windows have closed: show teams those runs

	// What an engine that starts does first (resume).
	resumeRounds // take up a team's rounds where the store has them
	scoreRun     // score a finished run again (the ledger takes it once)
	interruptRun // an engine stopped while the run ran: it is not run again
)

// action is one thing decide says to do.
type action struct {
	kind actionKind
	team string
	at   time.Time // renewLease: the wall time it is renewed at
	// round is a round's number, and next when the team's next one is due.
	round  int
	next   time.Duration
	inject string
	// x is the execution to store (recordAttack), to update from the state
	// from (missExecution), or to launch or stop (its ID).
	x     scoreboard.Execution
	from  string
	runs  []string // reveal
	other string   // giveUp: the engine that took over
	// lost is how many rounds fell due since the last one recorded, at
	// since, while no engine ran (resumeRounds).
	lost  int
	since time.Duration
}

func (a action) String() string {
	key := a.x.Team + "/" + a.x.Attack
	switch a.kind {
	case renewLease:
		return "renew the lease"
	case giveUp:
		return fmt.Sprintf("give up: another engine (%s) took the exercise over", a.other)
	case endExercise:
		return "end the exercise: its duration is over"
	case drain:
		return "wait for what runs"
	case missExecution:
		return fmt.Sprintf("miss execution %d (%s, %s): %s", a.x.ID, key, a.from, a.x.Reason)
	case finish:
		return "finish"
	case stopAttack:
		return fmt.Sprintf("stop execution %d", a.x.ID)
	case deliverInject:
		return fmt.Sprintf("deliver %s/%s", a.team, a.inject)
	case startRound:
		return fmt.Sprintf("round %d of %s, the next at %s", a.round, a.team, scenarios.Clock(a.next))
	case recordAttack:
		switch a.x.State {
		case scoreboard.ExecApproved:
			return fmt.Sprintf("start %s, due at %s", key, scenarios.Clock(a.x.Due))
		case scoreboard.ExecApproval:
			return fmt.Sprintf("hold %s for approval, due at %s", key, scenarios.Clock(a.x.Due))
		case scoreboard.ExecSkipped:
			return fmt.Sprintf("skip %s at %s: %s", key, scenarios.Clock(a.x.Due), a.x.Reason)
		case scoreboard.ExecMissed:
			return fmt.Sprintf("miss %s at %s: %s", key, scenarios.Clock(a.x.Due), a.x.Reason)
		}
		return fmt.Sprintf("%s %s at %s: %s", a.x.State, key, scenarios.Clock(a.x.Due), a.x.Reason)
	case launchAttack:
		return fmt.Sprintf("launch execution %d (%s)", a.x.ID, key)
	case reveal:
		return "reveal " + strings.Join(a.runs, ", ")
	case resumeRounds:
		s := fmt.Sprintf("rounds of %s after round %d, the next at %s", a.team, a.round, scenarios.Clock(a.next))
		if a.lost > 0 {
			s += fmt.Sprintf(" (about %d not checked since %s)", a.lost, scenarios.Clock(a.since))
		}
		return s
	case scoreRun:
		return fmt.Sprintf("score run %s (%s)", a.x.Run, key)
	case interruptRun:
		return fmt.Sprintf("interrupt execution %d (%s, run %s)", a.x.ID, key, a.x.Run)
	}
	return fmt.Sprintf("action %d", a.kind)
}

// decide says what the engine is to do now. The lease comes first; then
// the clock: nothing while it has not started or is paused but stopping
// attacks the kill switch holds; the end of the exercise; and while it
// runs, in this order, the injects, rounds and attacks due, and the
// reveals whose windows have closed.
func decide(in inputs) []action {
	if in.state.lost {
		return append(stops(in, true), action{kind: giveUp, other: in.state.lostTo})
	}
	var acts []action
	if in.now.Sub(in.state.renewed) >= in.leaseTTL/3 {
		acts = append(acts, action{kind: renewLease, at: in.now})
	}
	c := in.clock
	switch {
	case c.State == scoreboard.ClockRunning && in.duration > 0 && c.Elapsed(in.now) >= in.duration:
		return append(acts, action{kind: endExercise})
	case c.State == scoreboard.ClockEnded:
		return append(acts, closeTimeline(in)...)
	}
	if c.Halted {
		acts = append(acts, stops(in, false)...)
	}
	if c.State != scoreboard.ClockRunning {
		return acts
	}
	acts = append(acts, dueInjects(in)...)
	acts = append(acts, dueRounds(in)...)
	acts = append(acts, dueAttacks(in)...)
	return append(acts, dueReveals(in)...)
}

// resume is what an engine that starts does before its first tick, given
// the last round the store has of each team: it takes up each team's
// rounds (the next numbered after the last recorded, due now, saying how
// many fell due while no engine ran, which are not made up: the scorebot
// cannot check the past; or the first, jittered), scores again every run
// that finished (an engine may have stopped between its outcome and its
// score), and marks every run left running as interrupted.
func resume(in inputs, last map[string]scoreboard.Round) []action {
	now := in.clock.Elapsed(in.now)
	var acts []action
	for _, p := range in.plans {
		a := action{kind: resumeRounds, team: p.Team.ID}
		if r, ok := last[p.Team.ID]; ok {
			a.round, a.next = r.Number, now
			length := in.roundLength(p, in.clock.Speed)
			if in.clock.State != scoreboard.ClockCreated && now-r.Elapsed > 2*length {
				a.lost, a.since = int((now-r.Elapsed)/length), r.Elapsed
			}
		} else {
			a.next = in.jitter(p.Team.ID, "round 1", time.Duration(p.Scorebot.Jitter))
		}
		acts = append(acts, a)
	}
	for _, x := range in.executions {
		if _, ok := in.attack(x.Team, x.Attack); !ok {
			continue
		}
		switch {
		case x.State == scoreboard.ExecDone && x.Run != "":
			acts = append(acts, action{kind: scoreRun, team: x.Team, x: x})
		case x.State == scoreboard.ExecRunning:
			x.State, x.Outcome = scoreboard.ExecInterrupted, scoreboard.OutcomeError
			x.Reason = "the engine stopped while this attack ran; it is not run again (an instructor can fire it by hand)"
			acts = append(acts, action{kind: interruptRun, team: x.Team, x: x, from: scoreboard.ExecRunning})
		}
	}
	return acts
}

// stops stops the runs of this engine, all of them or those not told yet.
func stops(in inputs, all bool) []action {
	var acts []action
	for _, id := range slices.Sorted(maps.Keys(in.state.running)) {
		if all || !in.state.running[id] {
			acts = append(acts, action{kind: stopAttack, x: scoreboard.Execution{ID: id}})
		}
	}
	return acts
}

// closeTimeline, once nothing runs, marks every execution that was due
// but never ran, and every timeline attack that never fell due, as missed,
// so that none is left out without a word.
func closeTimeline(in inputs) []action {
	if !in.state.drained {
		return []action{{kind: drain}}
	}
	var acts []action
	have := map[string]bool{}
	for _, x := range in.executions {
		if x.Trigger == scoreboard.TriggerTimeline {
			have[x.Team+"/"+x.Attack] = true
		}
		if x.State == scoreboard.ExecApproval || x.State == scoreboard.ExecApproved {
			from := x.State
			x.State, x.Reason = scoreboard.ExecMissed, "the exercise ended before it ran"
			acts = append(acts, action{kind: missExecution, team: x.Team, x: x, from: from})
		}
	}
	end := in.clock.Since.Elapsed
	for _, p := range in.plans {
		for _, a := range p.Attacks {
			if have[p.Team.ID+"/"+a.Name] {
				continue
			}
			reason := "the exercise ended at " + scenarios.Clock(end) + " before it fell due"
			if a.After != "" {
				reason = fmt.Sprintf("the exercise ended at %s before %q let it run", scenarios.Clock(end), a.After)
			}
			acts = append(acts, action{kind: recordAttack, team: p.Team.ID, x: scoreboard.Execution{
				Exercise: in.exercise, Team: p.Team.ID, Attack: a.Name, Trigger: scoreboard.TriggerTimeline,
				Due: end, State: scoreboard.ExecMissed, Reason: reason,
			}})
		}
	}
	return append(acts, action{kind: finish})
}

// dueInjects delivers every inject that is due and not yet delivered.
func dueInjects(in inputs) []action {
	elapsed := in.clock.Elapsed(in.now)
	var acts []action
	for _, p := range in.plans {
		for _, inj := range p.Injects {
			if !in.state.delivered[p.Team.ID+"/"+inj.Name] && elapsed >= time.Duration(inj.At) {
				acts = append(acts, action{kind: deliverInject, team: p.Team.ID, inject: inj.Name})
			}
		}
	}
	return acts
}

// dueRounds starts each team's round that is due, unless its last one
// still runs, and says when its next is due: a round later, jittered, or
// from now if the rounds fell behind.
func dueRounds(in inputs) []action {
	elapsed := in.clock.Elapsed(in.now)
	var acts []action
	for _, p := range in.plans {
		st, ok := in.state.rounds[p.Team.ID]
		if !ok || st.running || elapsed < st.next {
			continue
		}
		n := st.number + 1
		length := in.roundLength(p, in.clock.Speed)
		jitter := in.jitter(p.Team.ID, "round "+strconv.Itoa(n+1), min(time.Duration(p.Scorebot.Jitter), length/2))
		next := st.next + length + jitter
		if next < elapsed {
			next = elapsed + jitter
		}
		acts = append(acts, action{kind: startRound, team: p.Team.ID, round: n, next: next})
	}
	return acts
}

// dueAttacks stores every timeline attack that fell due, to start (or to
// wait for approval), or skipped when its parent's outcome says not to
// run; while the kill switch is on it holds those to start, which run late
// when it is released. Unless the kill switch is on, it launches what
// instructors approved or fired.
func dueAttacks(in inputs) []action {
	timeline := map[string]scoreboard.Execution{}
	for _, x := range in.executions {
		if x.Trigger == scoreboard.TriggerTimeline {
			timeline[x.Team+"/"+x.Attack] = x
		}
	}
	elapsed := in.clock.Elapsed(in.now)
	var acts []action
	for _, p := range in.plans {
		for _, a := range p.Attacks {
			if _, ok := timeline[p.Team.ID+"/"+a.Name]; ok {
				continue
			}
			x, ok := in.due(p, a, timeline, elapsed)
			if !ok {
				continue
			}
			if x.State == "" {
				if in.clock.Halted {
					continue // held by the kill switch; it runs late when released
				}
				x.State = scoreboard.ExecApproved
				if in.clock.Approval {
					x.State = scoreboard.ExecApproval
				}
			}
			timeline[p.Team.ID+"/"+a.Name] = x
			acts = append(acts, action{kind: recordAttack, team: p.Team.ID, x: x})
		}
	}
	if in.clock.Halted {
		return acts
	}
	for _, x := range in.executions {
		_, busy := in.state.running[x.ID]
		if _, known := in.attack(x.Team, x.Attack); x.State == scoreboard.ExecApproved && !busy && known {
			acts = append(acts, action{kind: launchAttack, team: x.Team, x: x})
		}
	}
	return acts
}

// due says whether a timeline attack of a team falls due now, and if so
// returns its execution: to run (State empty), or skipped with the reason.
func (s *setting) due(p *scenarios.TeamPlan, a scenarios.AttackPlan, timeline map[string]scoreboard.Execution, elapsed time.Duration) (scoreboard.Execution, bool) {
	x := scoreboard.Execution{
		Exercise: s.exercise, Team: p.Team.ID, Attack: a.Name, Trigger: scoreboard.TriggerTimeline,
		Jitter: s.jitter(p.Team.ID, "attack "+a.Name, s.attackJitter),
	}
	if a.After == "" {
		x.Due = time.Duration(a.At) + x.Jitter
		return x, elapsed >= x.Due
	}
	parent, ok := timeline[p.Team.ID+"/"+a.After]
	if !ok {
		return x, false
	}
	switch parent.State {
	case scoreboard.ExecDone:
	case scoreboard.ExecSkipped, scoreboard.ExecMissed, scoreboard.ExecInterrupted:
		x.Due, x.State = elapsed, scoreboard.ExecSkipped
		x.Reason = fmt.Sprintf("it runs after %q, which was %s", a.After, parent.State)
		return x, true
	default:
		return x, false
	}
	if !follows(a.When, parent.Outcome) {
		x.Due, x.State = parent.Ended.Elapsed, scoreboard.ExecSkipped
		x.Reason = fmt.Sprintf("it runs only if %q %s, and it %s", a.After, whenWords(a.When), outcomeWords(parent.Outcome))
		return x, true
	}
	x.Due = parent.Ended.Elapsed + time.Duration(a.Delay) + x.Jitter
	return x, elapsed >= x.Due
}

// follows says whether an attack that waits on another with `when` runs
// after the parent's outcome. A parent that could not be judged (not
// applicable, error) lets nothing follow.
func follows(when, outcome string) bool {
	switch when {
	case scenarios.WhenSucceeded:
		return outcome == scoreboard.OutcomeSucceeded
	case scenarios.WhenBlocked:
		return outcome == scoreboard.OutcomeBlocked || outcome == scoreboard.OutcomeTimedOut
	default:
		return outcome == scoreboard.OutcomeSucceeded || outcome == scoreboard.OutcomeBlocked || outcome == scoreboard.OutcomeTimedOut
	}
}

func whenWords(when string) string {
	switch when {
	case scenarios.WhenSucceeded:
		return "succeeded"
	case scenarios.WhenBlocked:
		return "was blocked"
	}
	return "ran"
}

// dueReveals reveals, when the scenario shows teams an attack once its
// detection window has closed, the runs whose window has.
func dueReveals(in inputs) []action {
	if in.reveal != scenarios.RevealAfterWindow {
		return nil
	}
	elapsed := in.clock.Elapsed(in.now)
	var runs []string
	for run, started := range in.state.unrevealed {
		if started+in.window <= elapsed {
			runs = append(runs, run)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	slices.Sort(runs)
	return []action{{kind: reveal, runs: runs}}
}

// roundVerdict is what a round comes to, once its scorebot ran it or
// could not.
type roundVerdict int

const (
	roundScored     roundVerdict = iota // its checks are recorded; an outage said is over
	roundCutOff                         // the engine stops: checks cut off are not scored, and nothing is said
	roundEngineAway                     // not scored: the container engine does not answer
	roundBotAway                        // not scored: the team's scorebot (its agent, container or node) could not run it
)

func (v roundVerdict) String() string {
	return [...]string{"scored", "cut off", "not scored: the engine is away", "not scored: the scorebot is away"}[v]
}

// judgeRound says what a round comes to. A round the scorebot could not
// run says nothing of the team's services, so it is not scored; one node
// of a cluster down is its teams' outage, not the whole engine's.
func judgeRound(stopping bool, err error) roundVerdict {
	switch {
	case stopping:
		return roundCutOff
	case err == nil:
		return roundScored
	case errors.Is(err, orchestrator.ErrEngineUnreachable) && !errors.Is(err, orchestrator.ErrNodeDown):
		return roundEngineAway
	}
	return roundBotAway
}

// lateness says how late a timeline run started, when it is over a
// minute late (the kill switch held it, or the engine was away).
func lateness(x scoreboard.Execution) string {
	if lag := x.Started.Elapsed - x.Due; lag > time.Minute && x.Trigger == scoreboard.TriggerTimeline {
		return fmt.Sprintf(", %s late", scenarios.Human(lag.Truncate(time.Second)))
	}
	return ""
}

// settle is a run's execution once its attack has run: done with the
// outcome its evidence gave, but an error, never blocked, when the kill
// switch or a shutdown stopped it before any evidence of success; ended at
// ended, and never before it started.
func settle(x scoreboard.Execution, res result, stopped bool, ended scoreboard.Moment) scoreboard.Execution {
	if stopped && res.Outcome != scoreboard.OutcomeSucceeded {
		res.Outcome, res.Reason = scoreboard.OutcomeError, "stopped by the kill switch or a shutdown before its verdict; "+res.Reason
	}
	x.State, x.Outcome, x.Reason, x.Output = scoreboard.ExecDone, res.Outcome, res.Reason, res.Output
	x.Ended = ended
	if x.Ended.Elapsed < x.Started.Elapsed {
		x.Ended.Elapsed = x.Started.Elapsed
	}
	return x
}

// attack finds a team's attack in the plans.
func (s *setting) attack(team, name string) (scenarios.AttackPlan, bool) {
	for _, p := range s.plans {
		if p.Team.ID != team {
			continue
		}
		for _, a := range p.Attacks {
			if a.Name == name {
				return a, true
			}
		}
	}
	return scenarios.AttackPlan{}, false
}

// roundLength is a team's round in exercise time, stretched at a high speed
// factor so that a team is checked at most every minRound of real time.
func (s *setting) roundLength(p *scenarios.TeamPlan, speed float64) time.Duration {
	r := time.Duration(p.Scorebot.Round)
	if r <= 0 {
		r = scenarios.DefaultRound
	}
	return max(r, time.Duration(float64(s.minRound)*speed))
}

// jitter draws a team's jitter for a named thing from the exercise's seed:
// the same seed gives the same jitter, and no team can guess another's.
func (s *setting) jitter(team, what string, limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	mac := hmac.New(sha256.New, scenarios.TeamKey(s.seed, s.exercise, team))
	mac.Write([]byte("jitter\x00" + what))
	n := binary.BigEndian.Uint64(mac.Sum(nil))
	return (time.Duration(n%uint64(limit/time.Millisecond)) * time.Millisecond)
}
