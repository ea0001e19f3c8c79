package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Server is the agent's loop: it reads requests from the engine, runs
// their checks side by side, and writes each request's results when its
// last check is done.
type Server struct {
	// Version is the agent's build, and Sum the SHA-256 of its program,
	// said in its hello.
	Version, Sum string
	// MaxChecks bounds the checks running at once (DefaultMaxChecks when
	// zero); MaxCommands, within them, the command checks, which cost a
	// process each against the scorebot's pids limit.
	MaxChecks, MaxCommands int
	// MaxRequests bounds the requests read and not yet answered; past it
	// the server stops reading, and the engine's writes wait.
	MaxRequests int
	Log         *slog.Logger
	// Run runs one check (probe.Run when nil); tests put their own.
	Run func(context.Context, Check) Result
}

// Defaults of a Server.
const (
	DefaultMaxChecks   = 256
	DefaultMaxCommands = 16
	DefaultMaxRequests = 4096
)

// Serve speaks the protocol on r and w until r ends or ctx does. It
// returns nil when r ends cleanly between frames (the engine closed the
// stream); every check still running is then cancelled and waited for, so
// no command outlives the agent. Garbage on r ends it with an error: the
// stream cannot be trusted past it.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	out := &writer{w: bufio.NewWriterSize(w, 64<<10)}

	engine, err := s.handshake(br, out)
	if engine == nil || err != nil {
		return err
	}
	log.Info("agent serving", "version", s.Version, "engine", engine.Version)

	ss := &session{
		s: s, ctx: ctx, cancel: cancel, log: log, out: out,
		checks:   make(chan struct{}, orDefault(s.MaxChecks, DefaultMaxChecks)),
		commands: make(chan struct{}, orDefault(s.MaxCommands, DefaultMaxCommands)),
		requests: make(chan struct{}, orDefault(s.MaxRequests, DefaultMaxRequests)),
		running:  map[uint64]context.CancelFunc{},
	}
	defer waitAWhile(&ss.wg, 5*time.Second, log)
	return ss.serve(br)
}

// handshake reads the engine's hello, answers it with the agent's, and
// returns the engine's. It returns neither a hello nor an error when the
// stream ends before the engine's.
func (s *Server) handshake(br *bufio.Reader, out *writer) (*Hello, error) {
	first, err := ReadMessage(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the engine's hello: %w", err)
	}
	if first.Kind != KindHello || first.Hello == nil {
		return nil, fmt.Errorf("%w: the first message is %q, want %q", ErrBadFrame, first.Kind, KindHello)
	}
	if err := out.send(Message{Kind: KindHello, Hello: &Hello{Protocol: ProtocolVersion, Version: s.Version, Sum: s.Sum}}); err != nil {
		return nil, fmt.Errorf("writing the agent's hello: %w", err)
	}
	if first.Hello.Protocol != ProtocolVersion {
		// The engine reads the hello above and says what to upgrade.
		return nil, fmt.Errorf("the engine speaks protocol %d, this agent %d", first.Hello.Protocol, ProtocolVersion)
	}
	return first.Hello, nil
}

// session is one engine's stream after the hellos: the requests running
// on it and the bounds they share.
type session struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
	out    *writer
	// checks, commands and requests are semaphores of the bounds of s.
	checks, commands, requests chan struct{}
	wg                         sync.WaitGroup
	mu                         sync.Mutex
	running                    map[uint64]context.CancelFunc
}

// serve reads requests until the stream or the session's context ends.
func (ss *session) serve(br *bufio.Reader) error {
	for {
		m, err := ReadMessage(br)
		if err != nil {
			ss.cancel()
			if errors.Is(err, io.EOF) {
				ss.log.Info("agent: the engine closed the stream")
				return nil
			}
			return fmt.Errorf("reading a request: %w", err)
		}
		switch m.Kind {
		case KindCancel:
			ss.mu.Lock()
			if stop, ok := ss.running[m.ID]; ok {
				stop()
			}
			ss.mu.Unlock()
		case KindCheck:
			if len(m.Checks) == 0 || len(m.Checks) > MaxBatch {
				if err := ss.out.send(Message{Kind: KindError, ID: m.ID, Error: fmt.Sprintf("a request carries 1 to %d checks, not %d", MaxBatch, len(m.Checks))}); err != nil {
					return err
				}
				continue
			}
			if !acquire(ss.ctx, ss.requests) {
				return nil
			}
			ss.start(m)
		default:
			// A newer engine's message within the same protocol: say so
			// rather than leave it waiting.
			if err := ss.out.send(Message{Kind: KindError, ID: m.ID, Error: fmt.Sprintf("this agent does not know %q messages", m.Kind)}); err != nil {
				return err
			}
		}
	}
}

// start runs a request's checks, which hold one of the session's requests,
// in place of any running under the same id.
func (ss *session) start(m Message) {
	rctx, stop := context.WithCancel(ss.ctx)
	ss.mu.Lock()
	if old, dup := ss.running[m.ID]; dup {
		old()
	}
	ss.running[m.ID] = stop
	ss.mu.Unlock()
	ss.wg.Add(1)
	go func() {
		defer ss.wg.Done()
		defer func() { <-ss.requests }()
		results := ss.s.runBatch(rctx, m.Checks, ss.checks, ss.commands)
		ss.mu.Lock()
		delete(ss.running, m.ID)
		ss.mu.Unlock()
		cancelled := rctx.Err() != nil
		stop()
		if cancelled {
			return // nobody waits for it
		}
		if err := ss.out.send(Message{Kind: KindResult, ID: m.ID, Results: results}); err != nil {
			ss.log.Error("agent: writing results", "id", m.ID, "err", err)
			ss.cancel()
		}
	}()
}

func (s *Server) runBatch(ctx context.Context, cs []Check, checks, commands chan struct{}) []Result {
	run := s.Run
	if run == nil {
		run = Run
	}
	results := make([]Result, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !acquire(ctx, checks) {
				results[i] = Result{Detail: "cancelled"}
				return
			}
			defer func() { <-checks }()
			if c.Command != nil {
				if !acquire(ctx, commands) {
					results[i] = Result{Detail: "cancelled"}
					return
				}
				defer func() { <-commands }()
			}
			results[i] = run(ctx, c)
		}()
	}
	wg.Wait()
	return results
}

// waitAWhile waits for the running requests, which ctx has cancelled (so
// their commands are killed), but not for ever: one may be stuck writing
// results that the engine, gone, will never read.
func waitAWhile(wg *sync.WaitGroup, d time.Duration, log *slog.Logger) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		log.Warn("agent: requests still running at exit", "waited", d)
	}
}

func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// writer serialises whole frames from many goroutines.
type writer struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (w *writer) send(m Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return WriteMessage(w.w, m)
}
