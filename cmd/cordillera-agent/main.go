// Command cordillera-agent runs Cordillera's checks inside a team's range.
// Cordillera puts it into the scorebot and starts it through the container
// runtime with its stdin and stdout as the one stream of the protocol (see
// package orchestrator/agent/probe): it listens on no port, so teams
// cannot reach it. Stdout carries frames only; logs go to stderr. It exits
// 0 when stdin ends.
//
// Build it static, as `make agent` does:
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/cordillera-agent ./cmd/cordillera-agent
package main

import (
	"context"
	"flag"
	"fmt"
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
	s := &probe.Server{Version: v, MaxChecks: *maxChecks, MaxCommands: *maxCommands, Log: log}
	if err := s.Serve(ctx, os.Stdin, os.Stdout); err != nil {
		log.Error("agent stopped", "err", err)
		stop()
		os.Exit(2)
	}
}
