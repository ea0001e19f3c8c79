package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/cordillera-range/cordillera/scenarios"
)

func runFmt(_ context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "fmt", p.text("fmt.args"), p.text("fmt.about"))
	check := fs.Bool("check", false, p.text("flag.fmt.check"))
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := hclFilesUnder(paths)
	if err != nil {
		return err
	}
	var diags hcl.Diagnostics
	sources := map[string]*hcl.File{}
	unformatted := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		// The parser and the formatter recurse as deep as the file nests:
		// a hostile file is refused before either sees it.
		if d := scenarios.CheckNesting(src, f); d.HasErrors() {
			sources[f] = &hcl.File{Bytes: src}
			diags = append(diags, d...)
			continue
		}
		parsed, d := hclsyntax.ParseConfig(src, f, hcl.InitialPos)
		if d.HasErrors() {
			sources[f] = parsed
			diags = append(diags, d...)
			continue
		}
		out := hclwrite.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		unformatted++
		fmt.Fprintln(e.stdout, f)
		if !*check {
			info, err := os.Stat(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(f, out, info.Mode().Perm()); err != nil {
				return err
			}
		}
	}
	if len(diags) > 0 {
		if err := scenarios.WriteDiagnostics(e.stderr, sources, diags, e.color); err != nil {
			return err
		}
		return exitError(1)
	}
	if *check && unformatted > 0 {
		p.line(e.stderr, "fmt.unformatted", unformatted)
		return exitError(1)
	}
	return nil
}

// hclFilesUnder lists the .hcl files named or under the folders named.
func hclFilesUnder(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && len(d.Name()) > 1 && d.Name()[0] == '.' {
				return filepath.SkipDir
			}
			if !d.IsDir() && filepath.Ext(path) == ".hcl" {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
