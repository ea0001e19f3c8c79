package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// result is what one attack run came to.
type result struct {
	Outcome string
	Reason  string // the evidence, criterion by criterion
	Output  string
}

// probeTimeout bounds each piece of evidence gathered after the attack: a
// probe on the target, an HTTP request from the attacker.
const probeTimeout = 30 * time.Second

// runAttack runs an attack whose placeholders are filled in for the run:
// the attacker's command under the attack's timeout (in real time: tools
// take as long as they take, whatever the speed factor), then every piece
// of evidence, then the cleanup.
func (e *Engine) runAttack(ctx context.Context, p *scenarios.TeamPlan, a scenarios.AttackPlan, run, nonce string) result {
	if a.Success == nil {
		return result{Outcome: scoreboard.OutcomeNotApplicable, Reason: "the attack has no success block, so no evidence can judge it"}
	}
	attacker, err := e.container(ctx, p.Team.ID, orchestrator.RoleAttacker, a.From)
	if err == nil && !attacker.Running {
		err = fmt.Errorf("attacker %s is %s", a.From, attacker.State)
	}
	if err != nil {
		return result{Outcome: scoreboard.OutcomeNotApplicable, Reason: "the range is broken, so the attack could not run: " + err.Error()}
	}
	target, err := e.container(ctx, p.Team.ID, orchestrator.RoleHost, a.Target)
	if err == nil && !target.Running {
		err = fmt.Errorf("host %s is %s", a.Target, target.State)
	}
	if err != nil {
		return result{Outcome: scoreboard.OutcomeNotApplicable, Reason: "the target is not there, so the attack could not run: " + err.Error()}
	}
	env := []string{"CORDILLERA_RUN_ID=" + run}

	// Listeners for callbacks start before the attack, so that a target
	// calling back at once is heard.
	var listeners []*listener
	for _, cb := range a.Success.Callbacks {
		l, err := e.listen(ctx, attacker.ID, run, nonce, cb, time.Duration(a.Timeout))
		if err != nil {
			e.kill(context.WithoutCancel(ctx), attacker.ID, run)
			return result{Outcome: scoreboard.OutcomeError, Reason: fmt.Sprintf("could not listen for the callback on port %d: %v", cb.Port, err)}
		}
		listeners = append(listeners, l)
	}

	timeout := time.Duration(a.Timeout)
	if timeout <= 0 {
		timeout = scenarios.DefaultAttackTO
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	out, err := e.rt.Exec(runCtx, attacker.ID, orchestrator.ExecSpec{Cmd: a.Run, Env: env})
	timedOut := errors.Is(runCtx.Err(), context.DeadlineExceeded)
	cancel()
	output := string(out.Output)
	if err != nil && !timedOut && ctx.Err() == nil {
		e.kill(context.WithoutCancel(ctx), attacker.ID, run)
		return result{Outcome: scoreboard.OutcomeError, Reason: "could not run the attack in the attacker: " + err.Error(), Output: output}
	}
	if timedOut || ctx.Err() != nil {
		// Cancelling the exec leaves the processes in the container: kill
		// every process of the run, found by its id in their environment.
		e.kill(context.WithoutCancel(ctx), attacker.ID, run)
	}
	// The exit code is never evidence on its own.
	ev := e.evidence(context.WithoutCancel(ctx), a, attacker.ID, target.ID, output, listeners, env)
	ev.reason += e.cleanup(context.WithoutCancel(ctx), attacker.ID, a, run, timeout)
	r := result{Reason: ev.reason, Output: output}
	if timedOut {
		r.Output += fmt.Sprintf("\n[cordillera: stopped after its timeout of %s]", scenarios.Human(timeout))
	}
	switch {
	case ev.succeeded:
		r.Outcome = scoreboard.OutcomeSucceeded
	case timedOut:
		r.Outcome = scoreboard.OutcomeTimedOut
		r.Reason = fmt.Sprintf("did not finish within %s and left no evidence of success\n", scenarios.Human(timeout)) + r.Reason
	default:
		r.Outcome = scoreboard.OutcomeBlocked
	}
	return r
}

// judgement is the evidence gathered, criterion by criterion.
type judgement struct {
	succeeded bool
	reason    string
}

// evidence judges an attack run from its success criteria: all must hold,
// or with mode "any", one.
func (e *Engine) evidence(ctx context.Context, a scenarios.AttackPlan, attacker, target, output string, listeners []*listener, env []string) judgement {
	s := a.Success
	var lines []string
	var held []bool
	say := func(ok bool, format string, args ...any) {
		mark := "✗"
		if ok {
			mark = "✓"
		}
		lines = append(lines, mark+" "+fmt.Sprintf(format, args...))
		held = append(held, ok)
	}
	if s.OutputMatches != "" {
		ok := matches(s.OutputMatches, output)
		say(ok, "output %s /%s/", matchWords(ok), s.OutputMatches)
	}
	if s.OutputExcludes != "" {
		ok := !matches(s.OutputExcludes, output)
		say(ok, "output %s /%s/", map[bool]string{true: "does not contain", false: "contains"}[ok], s.OutputExcludes)
	}
	for _, pr := range s.Probes {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		res, err := e.rt.Exec(pctx, target, orchestrator.ExecSpec{Cmd: pr.Command, Env: env})
		cancel()
		cmd := strings.Join(pr.Command, " ")
		switch {
		case err != nil:
			say(false, "probe `%s` on %s could not run: %v", cmd, a.Target, err)
		case res.ExitCode != pr.ExpectExit:
			say(false, "probe `%s` on %s exited %d, want %d", cmd, a.Target, res.ExitCode, pr.ExpectExit)
		case pr.OutputMatches != "" && !matches(pr.OutputMatches, string(res.Output)):
			say(false, "probe `%s` on %s printed %q, which does not match /%s/", cmd, a.Target, lastLine(string(res.Output)), pr.OutputMatches)
		default:
			say(true, "probe `%s` on %s: exit %d %s", cmd, a.Target, res.ExitCode, strings.TrimSpace(lastLine(string(res.Output))))
		}
	}
	for _, l := range listeners {
		ok, detail := l.wait(ctx)
		say(ok, "callback on port %d: %s", l.port, detail)
	}
	for _, h := range s.HTTP {
		ok, detail := e.httpProbe(ctx, attacker, h, env)
		say(ok, "%s %s: %s", h.Method, h.URL, detail)
	}
	j := judgement{reason: strings.Join(lines, "\n")}
	if len(held) == 0 {
		return j
	}
	j.succeeded = s.Mode != "any"
	for _, ok := range held {
		if s.Mode == "any" {
			j.succeeded = j.succeeded || ok
		} else {
			j.succeeded = j.succeeded && ok
		}
	}
	return j
}

func matchWords(ok bool) string {
	if ok {
		return "matches"
	}
	return "does not match"
}

func matches(pattern, s string) bool {
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(s)
}

// httpProbe makes a request from the attacker, as the success block's http
// criterion asks.
func (e *Engine) httpProbe(ctx context.Context, attacker string, h scenarios.HTTPProbePlan, env []string) (bool, string) {
	secs := strconv.Itoa(int(probeTimeout.Seconds()) - 5)
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	res, err := e.rt.Exec(pctx, attacker, orchestrator.ExecSpec{
		Cmd: []string{"curl", "-sS", "-k", "-m", secs, "-X", h.Method, "-o", "-", "-w", "\n%{http_code}", h.URL}, Env: env,
	})
	if err != nil {
		return false, "could not run: " + err.Error()
	}
	out := strings.TrimRight(string(res.Output), "\n")
	if res.ExitCode != 0 {
		return false, "no answer: " + lastLine(out)
	}
	body, status := "", out
	if i := strings.LastIndexByte(out, '\n'); i >= 0 {
		body, status = out[:i], out[i+1:]
	}
	if code, _ := strconv.Atoi(status); code != h.ExpectStatus {
		return false, fmt.Sprintf("status %s, want %d", status, h.ExpectStatus)
	}
	if h.BodyMatches != "" && !matches(h.BodyMatches, body) {
		return false, fmt.Sprintf("status %s, but the body does not match /%s/", status, h.BodyMatches)
	}
	return true, "status " + status
}

// cleanup runs an attack's cleanup in the attacker, whatever came before,
// and says what went wrong with it, if anything, as a line for the evidence.
func (e *Engine) cleanup(ctx context.Context, attacker string, a scenarios.AttackPlan, run string, timeout time.Duration) string {
	if len(a.Cleanup) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := e.rt.Exec(ctx, attacker, orchestrator.ExecSpec{Cmd: a.Cleanup, Env: []string{"CORDILLERA_RUN_ID=" + run}})
	switch {
	case err != nil:
		return "\ncleanup could not run: " + err.Error()
	case res.ExitCode != 0:
		return fmt.Sprintf("\ncleanup exited %d: %s", res.ExitCode, lastLine(string(res.Output)))
	}
	return ""
}

// kill kills every process of a run in a container: those whose
// environment carries the run's id, which every process the run started
// inherits.
func (e *Engine) kill(ctx context.Context, container, run string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	script := `for p in /proc/[0-9]*; do
  [ "${p#/proc/}" = "$$" ] && continue
  if tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "CORDILLERA_RUN_ID=$1"; then kill -KILL "${p#/proc/}" 2>/dev/null; fi
done; true`
	e.rt.Exec(ctx, container, orchestrator.ExecSpec{Cmd: []string{"sh", "-c", script, "kill", run}})
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}
