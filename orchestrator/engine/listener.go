package engine

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

// listener waits in the attacker container for a target to call back with
// the run's nonce. It is netcat (netcat-openbsd, in the attacker image's
// contract) listening on the callback's port and writing what arrives to a
// file, which the engine reads.
type listener struct {
	e         *Engine
	container string
	port      int
	file      string
	nonce     string
	deadline  time.Time // wall time; zero: a short grace after the attack
	done      chan struct{}
}

// callbackGrace is how long a callback without `within` may still arrive
// after the attack's command returned.
const callbackGrace = 5 * time.Second

// listen starts listening on a callback's port for at most the attack's
// timeout plus the callback's window.
func (e *Engine) listen(ctx context.Context, container, run, nonce string, cb scenarios.CallbackPlan, timeout time.Duration) (*listener, error) {
	if timeout <= 0 {
		timeout = scenarios.DefaultAttackTO
	}
	l := &listener{
		e: e, container: container, port: cb.Port, nonce: nonce,
		file: fmt.Sprintf("/tmp/cordillera-callback-%s-%d", run, cb.Port),
		done: make(chan struct{}),
	}
	if cb.Within > 0 {
		l.deadline = e.opt.Now().Add(time.Duration(cb.Within))
	}
	life := timeout + time.Duration(cb.Within) + callbackGrace + 10*time.Second
	env := []string{"CORDILLERA_RUN_ID=" + run}
	go func() {
		defer close(l.done)
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), life+5*time.Second)
		defer cancel()
		e.rt.Exec(lctx, container, orchestrator.ExecSpec{Env: env, Cmd: []string{"sh", "-c",
			`echo $$ > "$1.pid"; exec timeout "$2" nc -lknv "$3" > "$1" 2>&1`,
			"listen", l.file, strconv.Itoa(int(life.Seconds())), strconv.Itoa(cb.Port)}})
	}()
	// Wait until the port listens, read from the kernel's table rather
	// than by connecting, which the listener would take for a callback.
	listening := fmt.Sprintf(`grep -Eq ':%04X [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null`, cb.Port)
	for i := 0; i < 50; i++ {
		res, err := e.rt.Exec(ctx, container, orchestrator.ExecSpec{Cmd: []string{"sh", "-c", listening}})
		if err != nil {
			return nil, err
		}
		if res.ExitCode == 0 {
			return l, nil
		}
		select {
		case <-l.done:
			return nil, fmt.Errorf("the listener stopped at once: is the port taken, or is nc missing from the attacker image?")
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("nothing listens on port %d after 5s", cb.Port)
}

var connectionFrom = regexp.MustCompile(`Connection (?:received on|from) \[?([0-9a-fA-F.:]+)\]?`)

// wait waits for the nonce until the callback's window closes, then stops
// the listener and says what arrived.
func (l *listener) wait(ctx context.Context) (bool, string) {
	deadline := l.deadline
	if deadline.IsZero() {
		deadline = l.e.opt.Now().Add(callbackGrace)
	}
	var seen string
poll:
	for {
		res, err := l.e.rt.Exec(ctx, l.container, orchestrator.ExecSpec{Cmd: []string{"cat", l.file}})
		if err == nil {
			seen = string(res.Output)
			if strings.Contains(seen, l.nonce) {
				break
			}
		}
		if !l.e.opt.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			break poll
		case <-time.After(time.Second):
		}
	}
	l.stop(ctx)
	from := ""
	if m := connectionFrom.FindStringSubmatch(seen); m != nil {
		from = " from " + m[1]
	}
	switch {
	case strings.Contains(seen, l.nonce):
		return true, "the target connected" + from + " with the run's nonce"
	case strings.Contains(seen, "Connection"):
		return false, "a connection came" + from + ", without the run's nonce"
	}
	return false, "no connection in time"
}

// stop ends the listener and removes its files.
func (l *listener) stop(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	l.e.rt.Exec(ctx, l.container, orchestrator.ExecSpec{Cmd: []string{"sh", "-c",
		`[ -f "$1.pid" ] && kill "$(cat "$1.pid")" 2>/dev/null; rm -f "$1" "$1.pid"; true`, "stop", l.file}})
	select {
	case <-l.done:
	case <-ctx.Done():
	}
}
