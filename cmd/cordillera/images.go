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
	p := e.p()
	p.line(e.stderr, "images.usage")
	if len(args) == 0 {
		return exitError(2)
	}
	return p.usagef("images.unknown", args[0])
}

func runBootstrap(ctx context.Context, e *env, args []string) error {
	p := e.p()
	and := " " + p.text("and") + " "
	fs := newFlags(e, "images bootstrap", p.text("bootstrap.args"), p.text("bootstrap.about", strings.Join(orchestrator.BaseImages, and)))
	mirror := fs.String("mirror", "", p.text("flag.bootstrap.mirror"))
	suite := fs.String("suite", "bookworm", p.text("flag.bootstrap.suite"))
	force := fs.Bool("force", false, p.text("flag.bootstrap.force"))
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
		p.line(e.stdout, "bootstrap.built", strings.Join(orchestrator.BaseImages, and), time.Since(start).Round(time.Second).String())
	}
	return nil
}

func runBuild(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "images build", p.text("build.args"), p.text("build.about"))
	dir := fs.String("dir", "scenarios/images", p.text("flag.build.dir"))
	force := fs.Bool("force", false, p.text("flag.build.force"))
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
				return p.usagef("build.noimage", n, *dir, strings.Join(known, ", "))
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
	p.line(e.stdout, "build.built", len(built), len(recipes), time.Since(start).Round(time.Second).String())
	return nil
}
