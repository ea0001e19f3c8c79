package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
)

// cordilleraWithInput runs the command in-process, as cordillera does, with
// stdin as its standard input: not a terminal, as in a pipe.
func cordilleraWithInput(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errw bytes.Buffer
	t.Chdir("../..")
	code = run(context.Background(), &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errw}, args)
	return out.String(), errw.String(), code
}

var (
	debianOnce sync.Once
	debianErr  error
)

// needDebian makes sure the engine has the Debian base image, whose shell
// and stty the shell's tests use, as `cordillera images bootstrap` makes it:
// it does nothing when the image is there, which it is once any range test
// of the drills has run.
func needDebian(t *testing.T, rt *docker.Runtime) {
	t.Helper()
	debianOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, debianErr = orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{}, func(string) {})
	})
	if debianErr != nil {
		t.Fatalf("the shell's tests run Debian's shell: %v", debianErr)
	}
}

func TestShell(t *testing.T) {
	pkg, err := os.Getwd() // before cordillera changes it
	if err != nil {
		t.Fatal(err)
	}
	rt := needDocker(t)
	needDebian(t, rt)
	file, _ := testExercise(t, rt, "shell")
	notUp, _ := testExercise(t, rt, "shell")
	out, errs, code := cordillera(t, "up", "--exercise", file, "--scorebot-image", dockertest.Image, "--wait", "0")
	if code != 0 {
		t.Fatalf("up: exit %d\n%s%s", code, out, errs)
	}
	shell := func(host string) []string {
		return []string{"shell", "--exercise", file, "--team", "cl-1", "--host", host}
	}

	t.Run("a command, its output and exit code", func(t *testing.T) {
		out, errs, code := cordillera(t, append(shell("box"), "--", "sh", "-c", "echo out; echo err >&2; exit 7")...)
		if out != "out\n" || errs != "err\n" || code != 7 {
			t.Errorf("stdout %q, stderr %q, exit %d; want out, err and 7", out, errs, code)
		}
	})

	t.Run("standard input to sh", func(t *testing.T) {
		out, errs, code := cordilleraWithInput(t, "echo hello from $(hostname)\nexit 4\n", append(shell("box"), "--", "sh")...)
		if out != "hello from box\n" || code != 4 {
			t.Errorf("stdout %q, stderr %q, exit %d; want the commands' output and 4", out, errs, code)
		}
	})

	t.Run("standard input to a command, to its end", func(t *testing.T) {
		out, errs, code := cordilleraWithInput(t, "one\ntwo\n", append(shell("box"), "--", "sh", "-c", `read a; read b; echo "$b $a"`)...)
		if out != "two one\n" || code != 0 {
			t.Errorf("stdout %q, stderr %q, exit %d; want the lines read", out, errs, code)
		}
		big := strings.Repeat("cordillera\n", 200_000)
		out, errs, code = cordilleraWithInput(t, big, append(shell("box"), "--", "wc", "-c")...)
		if strings.TrimSpace(out) != "2200000" || code != 0 {
			t.Errorf("stdout %q, stderr %q, exit %d; want wc to count 2200000 bytes", out, errs, code)
		}
	})

	t.Run("the host's shell by default", func(t *testing.T) {
		out, errs, code := cordilleraWithInput(t, "echo \"$0 $BASH_VERSION\"\n", shell("box")...)
		if !strings.HasPrefix(out, "/bin/bash 5.") || code != 0 {
			t.Errorf("stdout %q, stderr %q, exit %d; want bash, the scenario's shell", out, errs, code)
		}
	})

	t.Run("the attacker", func(t *testing.T) {
		out, errs, code := cordillera(t, append(shell("red"), "--", "/rangehost", "env", "HOSTNAME")...)
		if out != "red\n" || code != 0 {
			t.Errorf("stdout %q, stderr %q, exit %d; want the attacker's hostname", out, errs, code)
		}
	})

	t.Run("a terminal", func(t *testing.T) {
		shellOnTerminal(t, pkg, file)
	})

	t.Run("a team not deployed", func(t *testing.T) {
		_, errs, code := cordillera(t, "shell", "--exercise", notUp, "--team", "co-1", "--host", "box")
		if code != 1 || !strings.Contains(errs, "host box of team co-1 is not deployed: run `cordillera up --exercise "+notUp+"` first") {
			t.Errorf("exit %d, %q; want 1 saying to run up first", code, errs)
		}
	})
}

// shellOnTerminal runs the built cordillera on a pseudo-terminal, as a person
// at a keyboard would: the shell follows the terminal's size, the exit code
// is the shell's, and the terminal is as it was when cordillera ends.
func shellOnTerminal(t *testing.T, pkg, exercise string) {
	bin := filepath.Join(t.TempDir(), "cordillera")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = pkg
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "shell", "--exercise", exercise, "--team", "cl-1", "--host", "box")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// Its own session, with the terminal as its controlling one, so that
	// it gets SIGWINCH when the terminal is resized.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	cmd.Env = append(os.Environ(), "TERM=xterm")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	screen := &screen{}
	go screen.readFrom(ptmx)
	screen.waitFor(t, "root@box:/# ", 30*time.Second)
	ptmx.WriteString("stty size\r")
	screen.waitFor(t, "24 80", 10*time.Second)

	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	// The new size reaches the container soon after the signal, not at
	// once: ask until it has.
	deadline := time.Now().Add(10 * time.Second)
	for !screen.has("40 120") {
		if time.Now().After(deadline) {
			t.Fatalf("stty size never showed 40 120 after the resize; screen:\n%s", screen)
		}
		ptmx.WriteString("stty size\r")
		time.Sleep(300 * time.Millisecond)
	}

	ptmx.WriteString("exit 3\r")
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Errorf("cordillera ended with %v; want exit status 3, the shell's", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("cordillera did not end after exit 3; screen:\n%s", screen)
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("the terminal was left changed: lflag %#x iflag %#x oflag %#x, was %#x %#x %#x",
			after.Lflag, after.Iflag, after.Oflag, before.Lflag, before.Iflag, before.Oflag)
	}
}

// screen is what a terminal shows, read as it comes.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) readFrom(f *os.File) {
	p := make([]byte, 4096)
	for {
		n, err := f.Read(p)
		s.mu.Lock()
		s.buf.Write(p[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *screen) has(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Contains(s.buf.String(), text)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *screen) waitFor(t *testing.T, text string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !s.has(text) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestShellUnknownTeamOrHost(t *testing.T) {
	dir, err := filepath.Abs("testdata/shell")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "exercise.hcl")
	src := `exercise "cli-shell-names" {
  scenario = "` + dir + `"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "CL"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--team", "cl-2", "--host", "box"}, 1, `exercise cli-shell-names has no team "cl-2". Did you mean "cl-1"? Its teams are cl-1, co-1.`},
		{[]string{"--team", "peru", "--host", "box"}, 1, `exercise cli-shell-names has no team "peru". Its teams are cl-1, co-1.`},
		{[]string{"--team", "co-1", "--host", "bx"}, 1, `team co-1 has no host "bx". Did you mean "box"? Its hosts are box, red (attacker).`},
		{[]string{"--team", "co-1"}, 2, "name the host to reach with --team and --host"},
		{[]string{"--team", "co-1", "--host", "box", "ls", "/var/log"}, 2, "to run ls on the host, give it after --, such as: -- ls /var/log"},
	}
	for _, tt := range tests {
		out, errs, code := cordillera(t, append([]string{"shell", "--exercise", file}, tt.args...)...)
		if code != tt.code || !strings.Contains(errs, tt.msg) || out != "" {
			t.Errorf("shell %v: exit %d, stdout %q, stderr %q; want %d with %q", tt.args, code, out, errs, tt.code, tt.msg)
		}
		if strings.Contains(errs, "warning") {
			t.Errorf("shell %v repeats the scenario's warnings:\n%s", tt.args, errs)
		}
	}
}
