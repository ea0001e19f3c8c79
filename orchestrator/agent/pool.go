package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

// DefaultPath is where the agent program is put in a container.
const DefaultPath = "/cordillera/agent"

// PoolOptions configure a Pool.
type PoolOptions struct {
	// Version is this Cordillera's build, said in its hello
	// (probe.BuildVersion when empty).
	Version string
	// Program gives the agent program to put into containers (FindProgram
	// when nil).
	Program func() (Program, error)
	// Path is where it goes in the container (DefaultPath when empty).
	Path string
	// DialTimeout bounds putting the program in and hearing its hello
	// (default 30s).
	DialTimeout time.Duration
	// PutFirst puts the program in before starting it, rather than first
	// trying the one that may be there: for containers just created, as a
	// deploy's.
	PutFirst bool
}

// Pool keeps one agent per container, started on first use: it puts the
// agent program into the container, starts it through the runtime with
// its standard input and output as the stream, and checks its hello. A
// lost stream is opened again on the next use, so a restarted agent,
// container or engine comes back by itself.
type Pool struct {
	rt   orchestrator.Runtime
	opts PoolOptions
	// base bounds the streams: they outlive the call that opened them.
	base context.Context
	stop context.CancelFunc

	mu    sync.Mutex
	conns map[string]*conn // by container id
}

// conn is one container's agent, or the dial that is opening it.
type conn struct {
	ready  chan struct{} // closed once the dial is over
	client *Client
	err    error
}

// NewPool makes a pool that reaches containers through rt, which must be
// a [orchestrator.Files] and a [orchestrator.Terminal] too.
func NewPool(rt orchestrator.Runtime, opts PoolOptions) *Pool {
	if opts.Version == "" {
		opts.Version = probe.BuildVersion()
	}
	if opts.Program == nil {
		opts.Program = FindProgram
	}
	if opts.Path == "" {
		opts.Path = DefaultPath
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 30 * time.Second
	}
	base, stop := context.WithCancel(context.Background())
	return &Pool{rt: rt, opts: opts, base: base, stop: stop, conns: map[string]*conn{}}
}

// Check runs checks in the agent of a container and returns their results
// in order. An error means they say nothing of the services: the agent
// could not be reached (ErrStreamLost, or an error wrapping
// orchestrator.ErrEngineUnreachable when the container engine does not
// answer), or ctx ended.
func (p *Pool) Check(ctx context.Context, container string, plans []scenarios.CheckPlan) ([]Result, error) {
	c, err := p.Client(ctx, container)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(plans))
	// A round larger than one request goes as several, side by side.
	type part struct {
		rs  []Result
		err error
	}
	parts := make([]part, (len(plans)+probe.MaxBatch-1)/probe.MaxBatch)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := plans[i*probe.MaxBatch : min(len(plans), (i+1)*probe.MaxBatch)]
			parts[i].rs, parts[i].err = c.CheckBatch(ctx, batch)
		}()
	}
	wg.Wait()
	for _, pt := range parts {
		if pt.err != nil {
			return nil, pt.err
		}
		results = append(results, pt.rs...)
	}
	return results, nil
}

// Client returns the container's agent, starting it if none runs.
// Callers at once share one start.
func (p *Pool) Client(ctx context.Context, container string) (*Client, error) {
	for {
		p.mu.Lock()
		if p.base.Err() != nil {
			p.mu.Unlock()
			return nil, fmt.Errorf("%w: the pool is closed", ErrStreamLost)
		}
		c, ok := p.conns[container]
		if !ok || (isDone(c.ready) && (c.err != nil || c.client.Err() != nil)) {
			c = &conn{ready: make(chan struct{})}
			p.conns[container] = c
			p.mu.Unlock()
			c.client, c.err = p.dial(ctx, container)
			close(c.ready)
			return c.client, c.err
		}
		p.mu.Unlock()
		select {
		case <-c.ready:
			if c.err == nil && c.client.Err() == nil {
				return c.client, nil
			}
			if ctx.Err() == nil {
				continue // that dial failed, or its agent is gone: dial anew
			}
			return nil, ctx.Err()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// dial starts the agent in the container: the program already there if it
// is the one this Cordillera carries (a deploy, or an earlier run, put it
// in), else the program put in anew.
func (p *Pool) dial(ctx context.Context, container string) (*Client, error) {
	files, ok1 := p.rt.(orchestrator.Files)
	term, ok2 := p.rt.(orchestrator.Terminal)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: this container runtime cannot put a program into a container and talk to it", ErrStreamLost)
	}
	prog, err := p.opts.Program()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.DialTimeout)
	defer cancel()
	if !p.opts.PutFirst {
		if c, err := p.start(ctx, term, container, prog); err == nil {
			return c, nil
		} else if errors.Is(err, orchestrator.ErrEngineUnreachable) || ctx.Err() != nil {
			return nil, err
		}
	}
	if err := files.PutFile(ctx, container, p.opts.Path, 0o755, prog.Data); err != nil {
		return nil, fmt.Errorf("%w: putting the agent into the container: %w", ErrStreamLost, err)
	}
	return p.start(ctx, term, container, prog)
}

// start starts the program at the pool's path and checks its hello.
func (p *Pool) start(ctx context.Context, term orchestrator.Terminal, container string, prog Program) (*Client, error) {
	stderr := &tail{}
	s := orchestrator.OpenStream(p.base, term, container, []string{p.opts.Path}, stderr)
	c, err := NewClient(ctx, s, Options{Version: p.opts.Version, WantSum: prog.Sum})
	if err != nil {
		// What the agent said before it ended (an exec error, a crash)
		// says more than the broken stream.
		wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
		_, werr := s.Wait(wctx)
		wcancel()
		if said := stderr.String(); said != "" {
			err = fmt.Errorf("%w; the agent said: %s", err, said)
		}
		if werr != nil {
			// Why the agent could not start: the container stopped, or
			// the engine is away.
			err = fmt.Errorf("%w: the agent could not start: %w", err, werr)
		}
		return nil, err
	}
	return c, nil
}

// Forget stops the container's agent, if one runs: the container is gone
// or about to be.
func (p *Pool) Forget(container string) {
	p.mu.Lock()
	c, ok := p.conns[container]
	delete(p.conns, container)
	p.mu.Unlock()
	if ok {
		go func() {
			<-c.ready
			if c.client != nil {
				c.client.Close()
			}
		}()
	}
}

// Close stops every agent of the pool; their programs exit as their
// input ends.
func (p *Pool) Close() error {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[string]*conn{}
	p.stop()
	p.mu.Unlock()
	for _, c := range conns {
		<-c.ready
		if c.client != nil {
			c.client.Close()
		}
	}
	return nil
}

// tail keeps the last lines an agent wrote on its standard error.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 2 << 10

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailMax {
		t.buf = t.buf[len(t.buf)-tailMax:]
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(t.buf), "?")), " ")
}
