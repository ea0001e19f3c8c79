// Command cordillera-agent runs Cordillera's checks inside a team's range.
// Cordillera puts it into the scorebot and starts it through the container
// runtime with its stdin and stdout as the one stream of the protocol (see
// package orchestrator/agent/probe): it listens on no port, so teams
// cannot reach it. Stdout carries frames only; logs go to stderr. It exits
// 0 when stdin ends.
//
// Build it static, as `make agent` does, where cordillera embeds it from:
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o orchestrator/agent/embedded/cordillera-agent ./cmd/cordillera-agent
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/cordillera-range/cordillera/orchestrator/agent/probe"
)

func main() {
	showVersion := flag.Bool("version", false, "print the agent's version and exit")
	maxChecks := flag.Int("max-checks", probe.DefaultMaxChecks, "checks running at once")
	maxCommands := flag.Int("max-commands", probe.DefaultMaxCommands, "command checks running at once (each is a process)")
	flag.Parse()
	v := probe.BuildVersion()
	if *showVersion {
		fmt.Println(v)
		return
	}
	// The scorebot has 256 MiB; the GC works harder well before the kernel
	// would kill the agent, unless whoever starts it says otherwise.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	probe.UserAgent = "cordillera-agent/" + v
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sum, err := selfSum()
	if err != nil {
		// The engine then refuses this agent, saying why.
		log.Warn("agent: cannot read its own program", "err", err)
	}
	s := &probe.Server{Version: v, Sum: sum, MaxChecks: *maxChecks, MaxCommands: *maxCommands, Log: log}
	if err := s.Serve(ctx, os.Stdin, os.Stdout); err != nil {
		log.Error("agent stopped", "err", err)
		stop()
		os.Exit(2)
	}
}

// selfSum is the SHA-256 of the running program, which the engine compares
// with the program it put into the container.
func selfSum() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
