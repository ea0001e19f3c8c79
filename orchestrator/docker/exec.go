package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// Exec runs a command in the container and waits for it to end. Docker
// cannot stop an exec: when ctx is done, Exec returns at once but the
// command may run on in the container.
func (r *Runtime) Exec(ctx context.Context, id string, spec orchestrator.ExecSpec) (orchestrator.ExecResult, error) {
	if len(spec.Cmd) == 0 {
		return orchestrator.ExecResult{}, errors.New("exec: no command")
	}
	created, err := r.cli.ContainerExecCreate(ctx, id, container.ExecOptions{
		Cmd: spec.Cmd, Env: spec.Env, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return orchestrator.ExecResult{}, r.execError(id, err)
	}
	resp, err := r.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return orchestrator.ExecResult{}, r.execError(id, err)
	}
	defer resp.Close()
	// The attached stream does not watch ctx; closing it ends the copy.
	defer context.AfterFunc(ctx, resp.Close)()

	out := &capped{max: orchestrator.MaxExecOutput}
	_, copyErr := stdcopy.StdCopy(out, out, resp.Reader)
	if ctx.Err() != nil {
		return orchestrator.ExecResult{}, fmt.Errorf("exec: %w", ctx.Err())
	}
	if copyErr != nil {
		return orchestrator.ExecResult{}, fmt.Errorf("exec: read output: %w", copyErr)
	}
	code, err := r.exitCode(ctx, created.ID)
	if err != nil {
		return orchestrator.ExecResult{}, err
	}
	return orchestrator.ExecResult{ExitCode: code, Output: out.buf.Bytes(), Truncated: out.truncated}, nil
}

// exitCode waits for the exec to be over and returns its exit code. The
// output ends when the command closes it, which is usually, but not always,
// when it exits.
func (r *Runtime) exitCode(ctx context.Context, execID string) (int, error) {
	wait := 5 * time.Millisecond
	for {
		info, err := r.cli.ContainerExecInspect(ctx, execID)
		if err != nil {
			return 0, fmt.Errorf("exec: %w", r.check(err))
		}
		if !info.Running {
			return info.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("exec: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func (r *Runtime) execError(id string, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("exec: container %s: %w", id, orchestrator.ErrNotFound)
	}
	return fmt.Errorf("exec: %w", r.check(err))
}

// capped keeps the first max bytes written to it and drops the rest, while
// accepting everything, so the command is never blocked on its output.
type capped struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - c.buf.Len()
	if len(p) > room {
		c.buf.Write(p[:max(room, 0)])
		c.truncated = true
		return len(p), nil
	}
	return c.buf.Write(p)
}

// ExecInteractive starts cmd in the container on a pseudo-terminal.
func (r *Runtime) ExecInteractive(ctx context.Context, id string, cmd []string, size orchestrator.TermSize) (orchestrator.Session, error) {
	if len(cmd) == 0 {
		return nil, errors.New("exec: no command")
	}
	opts := container.ExecOptions{
		Cmd: cmd, Tty: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
		Env: []string{"TERM=xterm-256color"},
	}
	if size != (orchestrator.TermSize{}) {
		// Engines of API 1.42 and later start the command at this size;
		// the client leaves it out for older ones, which Resize serves.
		opts.ConsoleSize = &[2]uint{uint(size.Rows), uint(size.Cols)}
	}
	created, err := r.cli.ContainerExecCreate(ctx, id, opts)
	if err != nil {
		return nil, r.execError(id, err)
	}
	resp, err := r.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: true, ConsoleSize: opts.ConsoleSize})
	if err != nil {
		return nil, r.execError(id, err)
	}
	s := &session{r: r, execID: created.ID, resp: resp}
	s.stop = context.AfterFunc(ctx, resp.Close)
	if size != (orchestrator.TermSize{}) {
		// The engine waits for the command to start before resizing it.
		if err := s.Resize(ctx, size); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// session is an exec attached to a pseudo-terminal. With a terminal, Docker
// sends the output as it is, not multiplexed.
type session struct {
	r      *Runtime
	execID string
	resp   types.HijackedResponse
	stop   func() bool
}

func (s *session) Read(p []byte) (int, error)  { return s.resp.Reader.Read(p) }
func (s *session) Write(p []byte) (int, error) { return s.resp.Conn.Write(p) }

// Close ends the session. Docker does not kill the command: a shell sees
// its terminal close and exits, but a command that ignores it may run on.
func (s *session) Close() error {
	s.stop()
	s.resp.Close()
	return nil
}

// Resize changes the terminal's size.
func (s *session) Resize(ctx context.Context, size orchestrator.TermSize) error {
	err := s.r.cli.ContainerExecResize(ctx, s.execID, container.ResizeOptions{Height: uint(size.Rows), Width: uint(size.Cols)})
	if err != nil {
		return fmt.Errorf("resize terminal: %w", s.r.check(err))
	}
	return nil
}

// Wait returns the command's exit code once it has exited.
func (s *session) Wait(ctx context.Context) (int, error) {
	return s.r.exitCode(ctx, s.execID)
}

// ExecStream runs cmd in the container without a terminal, its standard
// streams piped to the caller's. Docker cannot stop an exec: when ctx is
// done, ExecStream returns at once but the command may run on.
func (r *Runtime) ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(cmd) == 0 {
		return 0, errors.New("exec: no command")
	}
	created, err := r.cli.ContainerExecCreate(ctx, id, container.ExecOptions{
		Cmd: cmd, AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return 0, r.execError(id, err)
	}
	resp, err := r.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, r.execError(id, err)
	}
	defer resp.Close()
	// The attached stream does not watch ctx; closing it ends the copies.
	defer context.AfterFunc(ctx, resp.Close)()

	if stdin != nil {
		// Not waited for: the command may exit before its input ends, and a
		// read of a terminal or pipe cannot be interrupted. Its writes fail
		// once the stream is closed.
		go func() {
			io.Copy(resp.Conn, stdin)
			// End of input: the command reads EOF, its output stays open.
			resp.CloseWrite()
		}()
	}
	_, copyErr := stdcopy.StdCopy(stdout, stderr, resp.Reader)
	if ctx.Err() != nil {
		return 0, fmt.Errorf("exec: %w", ctx.Err())
	}
	if copyErr != nil {
		return 0, fmt.Errorf("exec: copy output: %w", copyErr)
	}
	return r.exitCode(ctx, created.ID)
}
