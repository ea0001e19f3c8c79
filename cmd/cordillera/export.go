package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cordillera-range/cordillera/scoreboard"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--exercise NAME [--what standings|ledger|statistics|stix] [--format csv|json] [--db FILE] [-o FILE]",
		"Writes an exercise's standings, score ledger, statistics, or its attack runs and matched\nreports as a STIX 2.1 bundle. --what trends covers every exercise in the database and takes\nno --exercise.")
	db := fs.String("db", defaultDB(), "SQLite database `file` (default $CORDILLERA_DB or cordillera.db)")
	exercise := fs.String("exercise", "", "exercise `name`")
	what := fs.String("what", "standings", "what to export: standings, ledger, statistics, trends or stix")
	format := fs.String("format", "csv", "`format`: csv or json (stix is always json)")
	output := fs.String("o", "", "write to `file` instead of standard output")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *what == "stix" {
		*format = "json"
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("no database at %s: name it with --db or CORDILLERA_DB", *db)
	}
	store, err := scoreboard.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	var w io.Writer = e.stdout
	var f *os.File
	if *output != "" {
		if f, err = os.Create(*output); err != nil {
			return err
		}
		w = f
	}
	err = scoreboard.Export(ctx, store, *exercise, *what, *format, w)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// defaultDB is where Cordillera keeps its state unless told otherwise.
func defaultDB() string {
	if p := os.Getenv("CORDILLERA_DB"); p != "" {
		return p
	}
	return "cordillera.db"
}
