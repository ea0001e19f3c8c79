package main

import (
	"context"
	"io"
	"os"

	"github.com/cordillera-range/cordillera/scoreboard"
)

func runExport(ctx context.Context, e *env, args []string) error {
	p := e.p()
	fs := newFlags(e, "export", p.text("export.args"), p.text("export.about"))
	db := fs.String("db", defaultDB(), p.text("flag.db"))
	exercise := fs.String("exercise", "", p.text("flag.export.exercise"))
	what := fs.String("what", "standings", p.text("flag.export.what"))
	format := fs.String("format", "csv", p.text("flag.export.format"))
	output := fs.String("o", "", p.text("flag.export.o"))
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *what == "stix" {
		*format = "json"
	}
	if _, err := os.Stat(*db); err != nil {
		return p.errorf("export.nodb", *db)
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
