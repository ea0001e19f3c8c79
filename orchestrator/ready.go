package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cordillera-range/cordillera/scenarios"
)

// CheckResult is the outcome of one check, run from a team's scorebot.
type CheckResult struct {
	Team, Host, Service string
	OK                  bool
	// Detail says why a check failed, in the words of what it saw.
	Detail string
}

func (r CheckResult) String() string {
	return fmt.Sprintf("team %q %s/%s: %s", r.Team, r.Host, r.Service, r.Detail)
}

// RunCheck runs one check from the scorebot container scorebot, with the
// tools of the scorebot image, so that it reaches the host from the
// scorebot's own address as the team sees it. It returns an error, besides
// the verdict, when the container engine itself did not answer: then the
// check says nothing of the team's service.
func RunCheck(ctx context.Context, rt Runtime, scorebot string, c scenarios.CheckPlan) (bool, string, error) {
	timeout := time.Duration(c.Timeout)
	if timeout <= 0 {
		timeout = scenarios.DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+2*time.Second)
	defer cancel()
	res, err := rt.Exec(ctx, scorebot, ExecSpec{Cmd: checkCommand(c, timeout)})
	if err != nil {
		detail := fmt.Sprintf("could not run the check: %v", err)
		if errors.Is(err, ErrEngineUnreachable) {
			return false, detail, err
		}
		return false, detail, nil
	}
	up, detail := judge(c, res)
	return up, detail, nil
}

// checkCommand is the command the scorebot runs for a check.
func checkCommand(c scenarios.CheckPlan, timeout time.Duration) []string {
	secs := strconv.Itoa(max(1, int(timeout.Seconds())))
	addr := c.Address.String()
	port := strconv.Itoa(c.Port)
	switch {
	case c.HTTP != nil:
		cmd := []string{"curl", "-sS", "-k", "-m", secs, "-X", c.HTTP.Method, "-o", "-", "-w", "\n%{http_code}"}
		if c.HTTP.HostHeader != "" {
			cmd = append(cmd, "-H", "Host: "+c.HTTP.HostHeader)
		}
		return append(cmd, c.HTTP.Scheme+"://"+net.JoinHostPort(addr, port)+c.HTTP.Path)
	case c.TCP != nil && c.TCP.Send == "" && c.TCP.Expect == "":
		return []string{"nc", "-z", "-w", secs, addr, port}
	case c.TCP != nil:
		// What the service says first (a banner) or answers to Send.
		return []string{"sh", "-c", `printf '%s' "$1" | nc -w "$2" "$3" "$4"`, "check", c.TCP.Send, secs, addr, port}
	case c.DNS != nil:
		return []string{"dig", "+short", "+time=" + secs, "+tries=1", "-p", port, "@" + addr, c.DNS.Name, c.DNS.Type}
	case c.Command != nil:
		return c.Command.Run
	}
	return []string{"false"}
}

// judge decides a check from what its command printed and its exit code.
func judge(c scenarios.CheckPlan, res ExecResult) (bool, string) {
	out := strings.TrimRight(string(res.Output), "\n")
	matches := func(pattern, s string) bool {
		re, err := regexp.Compile(pattern)
		return err == nil && re.MatchString(s)
	}
	switch {
	case c.HTTP != nil:
		if res.ExitCode != 0 {
			return false, "no HTTP answer: " + lastLine(out)
		}
		body, status, _ := cutLast(out)
		if code, _ := strconv.Atoi(status); code != c.HTTP.ExpectStatus {
			return false, fmt.Sprintf("HTTP status %s, want %d", status, c.HTTP.ExpectStatus)
		}
		if c.HTTP.BodyMatches != "" && !matches(c.HTTP.BodyMatches, body) {
			return false, fmt.Sprintf("the body does not match %q", c.HTTP.BodyMatches)
		}
		return true, "HTTP " + status
	case c.TCP != nil:
		if c.TCP.Expect == "" {
			if res.ExitCode != 0 {
				return false, fmt.Sprintf("port %d/tcp does not accept connections", c.Port)
			}
			return true, "open"
		}
		if !matches(c.TCP.Expect, out) {
			return false, fmt.Sprintf("the service said %q, which does not match %q", firstLine(out), c.TCP.Expect)
		}
		return true, firstLine(out)
	case c.DNS != nil:
		if res.ExitCode != 0 || out == "" || strings.HasPrefix(out, ";;") {
			return false, fmt.Sprintf("no answer for %s %s: %s", c.DNS.Type, c.DNS.Name, lastLine(out))
		}
		if c.DNS.Expect != "" && !matches(c.DNS.Expect, out) {
			return false, fmt.Sprintf("the answer %q does not match %q", firstLine(out), c.DNS.Expect)
		}
		return true, firstLine(out)
	case c.Command != nil:
		if res.ExitCode != c.Command.ExpectExit {
			return false, fmt.Sprintf("%s exited %d, want %d: %s", c.Command.Run[0], res.ExitCode, c.Command.ExpectExit, lastLine(out))
		}
		if c.Command.OutputMatches != "" && !matches(c.Command.OutputMatches, out) {
			return false, fmt.Sprintf("the output %q does not match %q", lastLine(out), c.Command.OutputMatches)
		}
		return true, "exit " + strconv.Itoa(res.ExitCode)
	}
	return false, "unknown check type " + c.Type
}

func cutLast(s string) (before, last string, ok bool) {
	i := strings.LastIndexByte(s, '\n')
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

func lastLine(s string) string {
	_, last, _ := cutLast(strings.TrimSpace(s))
	return strings.TrimSpace(last)
}

// readyParallelism bounds how many checks WaitReady runs at once.
const readyParallelism = 16

// WaitReady runs every team's checks from its scorebot, several at once,
// until all pass or the context ends. It reports each check as it first
// passes, one report at a time, and returns
// the checks still failing, with why, when time runs out.
func WaitReady(ctx context.Context, rt Runtime, plans []*scenarios.TeamPlan, progress func(CheckResult)) ([]CheckResult, error) {
	type pending struct {
		team     string
		scorebot string
		check    scenarios.CheckPlan
		passed   bool
		last     string
	}
	var todo []*pending
	for _, p := range plans {
		cs, err := rt.ListContainers(ctx, map[string]string{
			LabelExercise: p.Exercise, LabelTeam: p.Team.ID, LabelRole: string(RoleScorebot),
		})
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return nil, fmt.Errorf("team %q has no scorebot container: run up first", p.Team.ID)
		}
		for _, h := range p.Hosts {
			for _, s := range h.Services {
				if s.Check != nil {
					todo = append(todo, &pending{team: p.Team.ID, scorebot: cs[0].ID, check: *s.Check})
				}
			}
		}
	}
	var mu sync.Mutex
	for len(todo) > 0 {
		// Checks run side by side: each waits mostly on the network.
		var g errgroup.Group
		g.SetLimit(readyParallelism)
		for _, t := range todo {
			g.Go(func() error {
				ok, detail, _ := RunCheck(ctx, rt, t.scorebot, t.check)
				t.passed, t.last = ok, detail
				if ok && progress != nil {
					mu.Lock()
					defer mu.Unlock()
					progress(CheckResult{Team: t.team, Host: t.check.Host, Service: t.check.Service, OK: true, Detail: detail})
				}
				return nil
			})
		}
		_ = g.Wait()
		todo = slices.DeleteFunc(todo, func(t *pending) bool { return t.passed })
		if len(todo) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			var failing []CheckResult
			for _, t := range todo {
				failing = append(failing, CheckResult{Team: t.team, Host: t.check.Host, Service: t.check.Service, Detail: t.last})
			}
			return failing, fmt.Errorf("%d checks not passing when the time ran out", len(failing))
		case <-time.After(2 * time.Second):
		}
	}
	return nil, nil
}
