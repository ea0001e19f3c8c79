package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

func runImages(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "bootstrap" {
		fmt.Fprint(e.stderr, "Usage: cordillera images bootstrap [--mirror URL] [--suite NAME] [--force]\n\n"+
			"bootstrap  build the Debian base image (debian:bookworm-slim) from a Debian package mirror,\n"+
			"           so that images can be built with no registry\n")
		if len(args) == 0 {
			return exitError(2)
		}
		return usageError{fmt.Sprintf("unknown images command %q", args[0])}
	}
	fs := newFlags(e, "images bootstrap", "[--mirror URL] [--suite NAME] [--force]",
		"Builds a minimal Debian image with debootstrap from a Debian package mirror and imports it into\n"+
			"the Docker engine as "+strings.Join(orchestrator.BaseImages, " and ")+", so that Dockerfiles starting\n"+
			"FROM debian:bookworm-slim build with no registry. Needs root and the debootstrap package.\n"+
			"Does nothing when the image exists.")
	mirror := fs.String("mirror", "", "Debian `mirror` URL (default: the one this machine's apt uses)")
	suite := fs.String("suite", "bookworm", "Debian release `name`")
	force := fs.Bool("force", false, "build the image even when it exists")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	rt, err := docker.New(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	start := time.Now()
	built, err := orchestrator.Bootstrap(ctx, rt, orchestrator.BootstrapOptions{Suite: *suite, Mirror: *mirror, Force: *force},
		func(line string) { fmt.Fprintln(e.stdout, "  "+line) })
	if err != nil {
		return err
	}
	if built {
		fmt.Fprintf(e.stdout, "Built %s in %s.\n", strings.Join(orchestrator.BaseImages, " and "), time.Since(start).Round(time.Second))
	}
	return nil
}
