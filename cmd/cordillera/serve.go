package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
	"github.com/cordillera-range/cordillera/web"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[--db FILE] [--listen ADDR] [--exercise FILE] [--demo]",
		"Serves the web interface: the live scoreboard, the trainees' team pages, the managers'\n"+
			"statistics and exports, and the JSON API. It reads the database that run and control write.\n"+
			"With --exercise, the exercise is stored (nothing is deployed or started) and its teams'\n"+
			"pages list their hosts. With --demo, demo accounts are made and printed with their passwords.")
	rf := addRangeFlags(fs)
	db := fs.String("db", defaultDB(), "SQLite database `file` (default $CORDILLERA_DB or cordillera.db)")
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to listen on")
	demo := fs.Bool("demo", false, "create demo accounts (an instructor, a manager, a trainee per team) and print them")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure: set it when browsers reach Cordillera over HTTPS")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, not %q: name an exercise with --exercise FILE", pos[0])}
	}
	store, err := scoreboard.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	plans := map[string][]*scenarios.TeamPlan{}
	exercise := ""
	if *rf.exercise != "" {
		sc, ex, teamPlans, err := loadPlans(e, "serve", rf, nil, false)
		if err != nil {
			return err
		}
		// The engine only stores the exercise here: it gets no runtime and
		// never runs, so it is not handed to the web server.
		eng, err := engine.New(store, nil, sc, ex, teamPlans, engine.Options{})
		if err != nil {
			return err
		}
		if err := eng.Prepare(ctx); err != nil {
			return err
		}
		plans[ex.Name], exercise = teamPlans, ex.Name
	}
	if *demo {
		if err := demoAccounts(ctx, e.stdout, store, exercise); err != nil {
			return err
		}
	}
	srv, err := web.New(web.Config{
		Store: store, Engines: map[string]*engine.Engine{}, Plans: plans, Secure: *secure,
		Logger: slog.New(slog.NewTextHandler(e.stderr, nil)),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Cordillera's web interface: http://%s/ (Ctrl-C stops it)\n", *listen)
	return srv.Serve(ctx, *listen)
}

// demoAccounts makes, or remakes, the demo's accounts with fresh passwords
// (only their hashes are kept, so a password is printed the one time it is
// made), and prints them with the teams' join codes.
func demoAccounts(ctx context.Context, w io.Writer, store *scoreboard.Store, exercise string) error {
	users := []scoreboard.User{
		{Name: "instructor", DisplayName: "Demo instructor", Role: scoreboard.RoleInstructor},
		{Name: "manager", DisplayName: "Demo program manager", Role: scoreboard.RoleManager},
	}
	var teams []scoreboard.Team
	if exercise != "" {
		var err error
		if teams, err = store.Teams(ctx, exercise); err != nil {
			return err
		}
		for _, t := range teams {
			users = append(users, scoreboard.User{Name: "trainee-" + t.ID, DisplayName: "Demo trainee of " + t.Name,
				Role: scoreboard.RoleTrainee, Exercise: exercise, Team: t.ID})
		}
	}
	fmt.Fprintln(w, "Demo accounts (new passwords on every start):")
	for _, u := range users {
		pw := demoPassword()
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		u.PasswordHash = string(hash)
		err = store.CreateUser(ctx, u)
		if errors.Is(err, scoreboard.ErrDuplicate) {
			if err = store.SetUserPassword(ctx, u.Name, u.PasswordHash); err == nil && u.Team != "" {
				err = store.SetUserTeam(ctx, u.Name, u.Exercise, u.Team)
			}
		}
		if err != nil {
			return err
		}
		team := ""
		if u.Team != "" {
			team = "  team " + u.Team
		}
		fmt.Fprintf(w, "  %-10s  %-22s  password %s%s\n", u.Role, u.Name, pw, team)
	}
	// A manager's API token, for trying the API with curl.
	store.RevokeAPIToken(ctx, "manager", "demo")
	token, err := store.CreateAPIToken(ctx, "manager", "demo", time.Now(), time.Time{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "API token of manager: %s\n", token)
	if len(teams) > 0 {
		fmt.Fprintf(w, "Join codes of exercise %s:\n", exercise)
		for _, t := range teams {
			fmt.Fprintf(w, "  %-14s %s  %s (%s)\n", t.ID, t.JoinCode, t.Name, t.Country)
		}
	}
	return nil
}

// demoPassword is 12 characters that are easy to type from a screen.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
