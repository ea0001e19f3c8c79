package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Stream is a long-lived command in a container whose standard input and
// output are a byte stream of the caller's, as the agent in a scorebot is:
// writes go to the command's standard input, reads come from its standard
// output. It reaches the container through the runtime only, so it needs
// no network port a team could reach.
type Stream struct {
	in  *io.PipeWriter
	out *io.PipeReader

	done chan struct{}
	code int
	err  error

	closeOnce sync.Once
}

// ErrStreamEnded is what reads of a Stream return once its command has
// exited, with how it ended.
var ErrStreamEnded = errors.New("the command of the stream has ended")

// OpenStream starts cmd in the container and returns its stream at once.
// What the command writes on its standard error goes to stderr (nil drops
// it). The stream ends when the command exits, when Close is called (its
// input ends), or when ctx is done.
func OpenStream(ctx context.Context, t Terminal, id string, cmd []string, stderr io.Writer) *Stream {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	if stderr == nil {
		stderr = io.Discard
	}
	s := &Stream{in: inW, out: outR, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.code, s.err = t.ExecStream(ctx, id, cmd, inR, outW, stderr)
		// Nothing more will be read from the input: a writer blocked on it
		// is let go.
		inR.CloseWithError(ErrStreamEnded)
		ended := fmt.Errorf("%w (exit code %d)", ErrStreamEnded, s.code)
		if s.err != nil {
			ended = fmt.Errorf("%w: %w", ErrStreamEnded, s.err)
		}
		outW.CloseWithError(ended)
	}()
	return s
}

// Read reads what the command wrote on its standard output. Once the
// command has exited and its output is read, it returns an error that
// wraps ErrStreamEnded.
func (s *Stream) Read(p []byte) (int, error) { return s.out.Read(p) }

// Write writes to the command's standard input.
func (s *Stream) Write(p []byte) (int, error) { return s.in.Write(p) }

// Close ends the command's input; a command that exits at the end of its
// input, as the agent does, then ends the stream. What the command writes
// from then on is discarded: nothing reads it any more, and a command
// blocked writing would never end. Close does not wait.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		s.in.Close()
		go io.Copy(io.Discard, s.out)
	})
	return nil
}

// Wait waits for the command to exit and returns its exit code.
func (s *Stream) Wait(ctx context.Context) (int, error) {
	select {
	case <-s.done:
		return s.code, s.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
