package orchestrator_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
)

// echoTerminal runs every command as a line echo: each line of input comes
// back upper-cased; the line "exit N" ends the command with code N, the end
// of input with 0.
type echoTerminal struct{}

func (echoTerminal) ExecInteractive(context.Context, string, []string, orchestrator.TermSize) (orchestrator.Session, error) {
	return nil, errors.New("not a terminal")
}

func (echoTerminal) ExecStream(ctx context.Context, id string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if id != "scorebot" {
		return 0, fmt.Errorf("container %s: %w", id, orchestrator.ErrNotFound)
	}
	fmt.Fprintln(stderr, "started", strings.Join(cmd, " "))
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		var code int
		if _, err := fmt.Sscanf(sc.Text(), "exit %d", &code); err == nil {
			return code, nil
		}
		if _, err := fmt.Fprintln(stdout, strings.ToUpper(sc.Text())); err != nil {
			return 0, err
		}
	}
	// A last word at the end of input, which nobody may read.
	fmt.Fprintln(stdout, "BYE")
	return 0, nil
}

// TestStreamClosedUnread closes a stream whose command still writes at
// the end of its input, with nobody reading: the command is not left
// blocked, and its exit code comes back.
func TestStreamClosedUnread(t *testing.T) {
	s := orchestrator.OpenStream(context.Background(), echoTerminal{}, "scorebot", []string{"/cordillera/agent"}, nil)
	io.WriteString(s, "unread\n")
	s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code, err := s.Wait(ctx); code != 0 || err != nil {
		t.Errorf("Wait = %d, %v; want the command's exit 0", code, err)
	}
}

func TestStream(t *testing.T) {
	ctx := context.Background()
	var stderr strings.Builder
	s := orchestrator.OpenStream(ctx, echoTerminal{}, "scorebot", []string{"/cordillera/agent"}, &stderr)
	r := bufio.NewReader(s)
	for _, line := range []string{"hola", "tcp 10.0.0.1:22"} {
		if _, err := io.WriteString(s, line+"\n"); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || got != strings.ToUpper(line)+"\n" {
			t.Fatalf("read %q, %v; want %q", got, err, strings.ToUpper(line))
		}
	}
	s.Close()
	if code, err := s.Wait(ctx); code != 0 || err != nil {
		t.Errorf("after Close: exit %d, %v; want 0", code, err)
	}
	if _, err := r.ReadString('\n'); !errors.Is(err, orchestrator.ErrStreamEnded) {
		t.Errorf("read after the end: %v, want ErrStreamEnded", err)
	}
	if !strings.Contains(stderr.String(), "started /cordillera/agent") {
		t.Errorf("stderr %q, want the command's", stderr.String())
	}
}

func TestStreamEndsWithItsCommand(t *testing.T) {
	ctx := context.Background()
	s := orchestrator.OpenStream(ctx, echoTerminal{}, "scorebot", []string{"agent"}, nil)
	io.WriteString(s, "exit 3\n")
	if code, err := s.Wait(ctx); code != 3 || err != nil {
		t.Errorf("exit %d, %v; want 3", code, err)
	}
	if _, err := io.ReadAll(s); !errors.Is(err, orchestrator.ErrStreamEnded) || !strings.Contains(err.Error(), "exit code 3") {
		t.Errorf("read: %v, want ErrStreamEnded with the exit code", err)
	}
	// A write after the end fails rather than blocks.
	done := make(chan error, 1)
	go func() { _, err := io.WriteString(s, "more\n"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("write after the end: no error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write after the end blocked")
	}

	gone := orchestrator.OpenStream(ctx, echoTerminal{}, "nobody", []string{"agent"}, nil)
	if _, err := gone.Wait(ctx); !errors.Is(err, orchestrator.ErrNotFound) {
		t.Errorf("stream in no container: %v, want ErrNotFound", err)
	}
	if _, err := io.ReadAll(gone); !errors.Is(err, orchestrator.ErrStreamEnded) || !errors.Is(err, orchestrator.ErrNotFound) {
		t.Errorf("read of a stream that never started: %v, want ErrStreamEnded and ErrNotFound", err)
	}
}
