package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/docker"
)

func runImages(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "bootstrap" {
		return runBootstrap(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "build" {
		return runBuild(ctx, e, args[1:])
	}
	fmt.Fprint(e.stderr, "Usage: cordillera images bootstrap|build [options]\n\n"+
		"bootstrap  build the Debian base image (debian:bookworm-slim) from a Debian package mirror,\n"+
		"           so that images can be built with no registry\n"+
		"build      build the images of scenarios/images, each folder with a Dockerfile\n")
	if len(args) == 0 {
		return exitError(2)
	}
	return usageError{fmt.Sprintf("unknown images command %q", args[0])}
}

func runBootstrap(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "images bootstrap", "[--mirror URL] [--suite NAME] [--force]",
		"Builds a minimal Debian image with debootstrap from a Debian package mirror and imports it into\n"+
			"the Docker engine as "+strings.Join(orchestrator.BaseImages, " and ")+", so that Dockerfiles starting\n"+
			"FROM debian:bookworm-slim build with no registry. Needs root and the debootstrap package.\n"+
			"Does nothing when the image exists.")
	mirror := fs.String("mirror", "", "Debian `mirror` URL (default: the one this machine's apt uses)")
	suite := fs.String("suite", "bookworm", "Debian release `name`")
	force := fs.Bool("force", false, "build the image even when it exists")
	if _, err := parseFlags(fs, args); err != nil {
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

func runBuild(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "images build", "[--dir DIR] [--force] [NAME...]",
		"Builds the images the bundled drills use, one per folder of DIR holding a Dockerfile, tagged\n"+
			"cordillera/NAME:1. An image built from the same files is not built again. Recipes starting\n"+
			"FROM debian:bookworm-slim need `cordillera images bootstrap` first.")
	dir := fs.String("dir", "scenarios/images", "`folder` of image recipes")
	force := fs.Bool("force", false, "build every image even when it is up to date")
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	recipes, err := orchestrator.Recipes(*dir)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		var chosen []orchestrator.Recipe
		for _, n := range names {
			i := slices.IndexFunc(recipes, func(r orchestrator.Recipe) bool { return r.Name == n })
			if i < 0 {
				var known []string
				for _, r := range recipes {
					known = append(known, r.Name)
				}
				return usageError{fmt.Sprintf("no image %q in %s; there are: %s", n, *dir, strings.Join(known, ", "))}
			}
			chosen = append(chosen, recipes[i])
		}
		recipes = chosen
	}
	rt, err := docker.New(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	start := time.Now()
	built, err := orchestrator.BuildImages(ctx, rt, recipes, *force, func(line string) { fmt.Fprintln(e.stdout, line) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Built %d of %d images in %s.\n", len(built), len(recipes), time.Since(start).Round(time.Second))
	return nil
}
