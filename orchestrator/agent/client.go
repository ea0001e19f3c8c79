// Package agent is the engine's side of Cordillera's agent, the small
// program (cmd/cordillera-agent) that runs checks inside a team's range:
// a Client that speaks the protocol of package probe over one stream, and
// the conversion from scenarios.CheckPlan to the agent's own checks.
//
// A Client does not reconnect. When its stream is lost every pending and
// later request fails with ErrStreamLost, Done is closed, and the caller
// opens a new stream (a new exec of the agent) and a new Client: only the
// caller knows how to reach the container again.
package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
	"github.com/cordillera-range/cordillera/scenarios"
)

// Errors of a Client, for errors.Is.
var (
	// ErrStreamLost: the stream to the agent ended or broke, so the check
	// says nothing of the team's service. It is never a failed check.
	ErrStreamLost = errors.New("lost the stream to the agent")
	// ErrVersionMismatch: the agent in the container is not this
	// Cordillera's.
	ErrVersionMismatch = errors.New("the agent's version does not match")
	// ErrRefused: the agent refused a request (it is too large, or of a
	// kind it does not know).
	ErrRefused = errors.New("the agent refused the request")
)

// Options configure a Client.
type Options struct {
	// Version is this Cordillera's build, said in its hello.
	Version string
	// WantAgent is the agent build this Cordillera ships; empty accepts any
	// agent that speaks the same protocol.
	WantAgent string
	// WantSum is the SHA-256 (hex) of the agent program Cordillera put into
	// the container; empty accepts any. An agent that says another sum is
	// not that program: an older one still running, or one replaced.
	WantSum string
}

// Result is one check's verdict from the agent.
type Result = probe.Result

// Client sends checks to one agent over one stream. It is safe for many
// goroutines: requests travel at once, each answered by its id.
type Client struct {
	r      *bufio.Reader
	w      io.Writer
	closer io.Closer
	agent  probe.Hello

	// out carries whole frames to the one writer goroutine, so that a
	// request waiting to be written still honours its context.
	out chan []byte

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan probe.Message
	cancels []uint64
	poke    chan struct{}

	lost      chan struct{}
	lostOnce  sync.Once
	lostCause error
}

// NewClient says hello on stream and checks the agent's answer, then
// serves requests until the stream is lost or Close. On any error it
// closes stream.
func NewClient(ctx context.Context, stream io.ReadWriteCloser, opts Options) (*Client, error) {
	c := &Client{
		r: bufio.NewReaderSize(stream, 64<<10), w: stream, closer: stream,
		out: make(chan []byte), pending: map[uint64]chan probe.Message{},
		poke: make(chan struct{}, 1), lost: make(chan struct{}),
	}
	hello, err := c.handshake(ctx, opts.Version)
	if err != nil {
		stream.Close()
		return nil, err
	}
	if hello.Protocol != probe.ProtocolVersion {
		stream.Close()
		return nil, fmt.Errorf("%w: the agent (build %q) speaks protocol %d, this Cordillera %d: redeploy the range's agent from this Cordillera, or upgrade Cordillera",
			ErrVersionMismatch, hello.Version, hello.Protocol, probe.ProtocolVersion)
	}
	if opts.WantAgent != "" && hello.Version != opts.WantAgent {
		stream.Close()
		return nil, fmt.Errorf("%w: the agent is build %q, this Cordillera ships %q: redeploy the range's agent from this Cordillera",
			ErrVersionMismatch, hello.Version, opts.WantAgent)
	}
	if opts.WantSum != "" && hello.Sum != opts.WantSum {
		stream.Close()
		return nil, fmt.Errorf("%w: the agent running (build %q, program %s) is not the program Cordillera put into the container (%s): redeploy the agent (Cordillera does at its next connection)",
			ErrVersionMismatch, hello.Version, short(hello.Sum), short(opts.WantSum))
	}
	c.agent = hello
	go c.readLoop()
	go c.writeLoop()
	return c, nil
}

func (c *Client) handshake(ctx context.Context, version string) (probe.Hello, error) {
	type answer struct {
		m   probe.Message
		err error
	}
	done := make(chan answer, 1)
	go func() {
		if err := probe.WriteMessage(c.w, probe.Message{Kind: probe.KindHello, Hello: &probe.Hello{Protocol: probe.ProtocolVersion, Version: version}}); err != nil {
			done <- answer{err: err}
			return
		}
		m, err := probe.ReadMessage(c.r)
		done <- answer{m, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return probe.Hello{}, fmt.Errorf("%w: during hello: %v", ErrStreamLost, a.err)
		}
		if a.m.Kind != probe.KindHello || a.m.Hello == nil {
			return probe.Hello{}, fmt.Errorf("%w: the agent answered hello with a %q message", ErrStreamLost, a.m.Kind)
		}
		return *a.m.Hello, nil
	case <-ctx.Done():
		// Closing the stream (by NewClient) ends the goroutine.
		return probe.Hello{}, fmt.Errorf("waiting for the agent's hello: %w", ctx.Err())
	}
}

// AgentVersion is the build the agent said in its hello.
func (c *Client) AgentVersion() string { return c.agent.Version }

// Done is closed when the stream is lost (or closed); Err then says why.
func (c *Client) Done() <-chan struct{} { return c.lost }

// Err is nil while the stream works, then an error wrapping ErrStreamLost.
func (c *Client) Err() error {
	select {
	case <-c.lost:
		return c.lostCause
	default:
		return nil
	}
}

// Close ends the stream; the agent then exits. Pending requests fail with
// ErrStreamLost.
func (c *Client) Close() error {
	err := c.closer.Close()
	c.fail(errors.New("the client was closed"))
	return err
}

func (c *Client) fail(cause error) {
	c.lostOnce.Do(func() {
		c.lostCause = fmt.Errorf("%w: %v", ErrStreamLost, cause)
		close(c.lost)
		_ = c.closer.Close()
	})
}

func (c *Client) readLoop() {
	for {
		m, err := probe.ReadMessage(c.r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the agent ended the stream")
			}
			c.fail(err)
			return
		}
		if m.Kind != probe.KindResult && m.Kind != probe.KindError {
			continue
		}
		c.mu.Lock()
		ch, ok := c.pending[m.ID]
		delete(c.pending, m.ID)
		c.mu.Unlock()
		if ok { // else: a request that was cancelled meanwhile
			ch <- m
		}
	}
}

func (c *Client) writeLoop() {
	for {
		var frame []byte
		select {
		case frame = <-c.out:
		case <-c.poke:
			c.mu.Lock()
			ids := c.cancels
			c.cancels = nil
			c.mu.Unlock()
			for _, id := range ids {
				if err := c.write(probe.Message{Kind: probe.KindCancel, ID: id}); err != nil {
					c.fail(err)
					return
				}
			}
			continue
		case <-c.lost:
			return
		}
		if err := probe.WriteFrame(c.w, frame); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *Client) write(m probe.Message) error {
	b, err := probe.EncodeMessage(m)
	if err != nil {
		return err
	}
	return probe.WriteFrame(c.w, b)
}

// Check runs one check in the agent.
func (c *Client) Check(ctx context.Context, plan scenarios.CheckPlan) (Result, error) {
	rs, err := c.CheckBatch(ctx, []scenarios.CheckPlan{plan})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// CheckBatch runs checks side by side in the agent and returns their
// results in the same order. An error means the checks say nothing of
// the services: ErrStreamLost, ErrRefused, or ctx's error.
func (c *Client) CheckBatch(ctx context.Context, plans []scenarios.CheckPlan) ([]Result, error) {
	checks := make([]probe.Check, len(plans))
	for i, p := range plans {
		checks[i] = FromPlan(p)
	}
	return c.run(ctx, checks)
}

func (c *Client) run(ctx context.Context, checks []probe.Check) ([]Result, error) {
	if len(checks) == 0 {
		return nil, nil
	}
	if len(checks) > probe.MaxBatch {
		return nil, fmt.Errorf("%w: %d checks in one request, at most %d", ErrRefused, len(checks), probe.MaxBatch)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	ch := make(chan probe.Message, 1)
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	frame, err := probe.EncodeMessage(probe.Message{Kind: probe.KindCheck, ID: id, Checks: checks})
	if err != nil {
		c.forget(id, false)
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	select {
	case c.out <- frame:
	case <-ctx.Done():
		c.forget(id, false)
		return nil, ctx.Err()
	case <-c.lost:
		return nil, c.lostCause
	}
	select {
	case m := <-ch:
		if m.Kind == probe.KindError {
			return nil, fmt.Errorf("%w: %s", ErrRefused, m.Error)
		}
		if len(m.Results) != len(checks) {
			return nil, fmt.Errorf("%w: the agent answered %d checks with %d results", ErrStreamLost, len(checks), len(m.Results))
		}
		return m.Results, nil
	case <-ctx.Done():
		c.forget(id, true)
		return nil, ctx.Err()
	case <-c.lost:
		return nil, c.lostCause
	}
}

// forget drops a pending request; sent says the agent has it, and is told
// to stop its checks.
func (c *Client) forget(id uint64, sent bool) {
	c.mu.Lock()
	_, waiting := c.pending[id]
	delete(c.pending, id)
	if sent && waiting {
		c.cancels = append(c.cancels, id)
	}
	c.mu.Unlock()
	if sent && waiting {
		select {
		case c.poke <- struct{}{}:
		default:
		}
	}
}

// short is the first 12 digits of a sum, as people read them.
func short(sum string) string {
	if sum == "" {
		return "of unknown sum"
	}
	return sum[:min(12, len(sum))]
}
