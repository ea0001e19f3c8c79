package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/director"
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
	start := fs.Bool("start", false, "deploy the --exercise's ranges and start its clock (unless it started already)")
	speed := fs.Float64("speed", 0, "speed `factor` when --start starts the exercise (default: the exercise's)")
	scorebotImage := fs.String("scorebot-image", orchestrator.DefaultScorebotImage, "`image` every team's scorebot runs")
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

	rt, rtErr := connect(ctx, e)
	var runtime orchestrator.Runtime
	if rtErr == nil {
		defer rt.Close()
		runtime = rt
	} else {
		fmt.Fprintf(e.stderr, "Warning: %v\nExercises can be made and scored, not deployed, until Docker is reachable and serve restarts.\n", rtErr)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	dir := director.New(store, runtime, rtErr, director.Options{ScorebotImage: *scorebotImage, Logger: logger})
	defer dir.Close()
	if err := dir.Restore(ctx); err != nil {
		return err
	}
	exercise := ""
	if *rf.exercise != "" {
		if exercise, err = adoptExercise(ctx, e, dir, rf); err != nil {
			return err
		}
	}
	if *demo {
		if err := demoAccounts(ctx, e.stdout, store, exercise); err != nil {
			return err
		}
	}
	if *start && exercise == "" {
		return usageError{"--start needs --exercise FILE: the exercise to deploy and start"}
	}
	if *start && rtErr != nil {
		return fmt.Errorf("--start cannot deploy exercise %s: %w", exercise, rtErr)
	}
	srv, err := web.New(web.Config{Store: store, Director: dir, Secure: *secure, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another cordillera serve running? choose another --listen address)", *listen, err)
	}
	fmt.Fprintf(e.stdout, "Cordillera's web interface: http://%s/ (Ctrl-C stops it)\n", ln.Addr())
	if *start {
		// The pages answer while the ranges deploy: the instructor's page
		// shows the same progress.
		go func() {
			if err := deployAndStart(ctx, e, dir, exercise, *speed); err != nil && ctx.Err() == nil {
				fmt.Fprintf(e.stderr, "Error: %v\n", err)
			}
		}()
	}
	return srv.ServeListener(ctx, ln)
}

// adoptExercise stores the --exercise file's exercise with the director,
// saying what its diagnostics say, and returns its name.
func adoptExercise(ctx context.Context, e *env, dir *director.Director, rf rangeFlags) (string, error) {
	sc, ex, _, err := loadPlans(e, "serve", rf, nil, false)
	if err != nil {
		return "", err
	}
	src, err := os.ReadFile(*rf.exercise)
	if err != nil {
		return "", err
	}
	ref := ""
	if !strings.HasPrefix(filepath.ToSlash(sc.Dir), "library/") {
		ref = sc.Dir
	}
	if *rf.seed != "" {
		return "", usageError{"serve takes the seed from the exercise file: set seed = \"...\" there"}
	}
	_, diags, err := dir.Adopt(ctx, src, ref, "cordillera serve")
	if err != nil {
		return "", err
	}
	for _, d := range diags {
		fmt.Fprintf(e.stderr, "%s:%d: %s: %s: %s\n", *rf.exercise, d.Line, d.Severity, d.Summary, d.Detail)
	}
	return ex.Name, nil
}

// deployAndStart deploys an exercise's ranges, printing the progress, and
// starts its clock unless it has started already.
func deployAndStart(ctx context.Context, e *env, dir *director.Director, exercise string, speed float64) error {
	if err := dir.Deploy(ctx, exercise, "cordillera serve"); err != nil {
		return err
	}
	printed := 0
	for {
		op, _ := dir.Operation(exercise)
		for _, line := range op.Lines[min(printed, len(op.Lines)):] {
			fmt.Fprintln(e.stdout, line)
		}
		printed = len(op.Lines)
		if !op.Running() {
			if op.Err != "" {
				return fmt.Errorf("deploying exercise %s: %s", exercise, op.Err)
			}
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	clock, err := dir.Store().Clock(ctx, exercise)
	if err != nil {
		return err
	}
	switch clock.State {
	case scoreboard.ClockCreated:
		err = dir.Start(ctx, exercise, "cordillera serve", speed)
	case scoreboard.ClockPaused:
		err = dir.Resume(ctx, exercise, "cordillera serve")
	}
	if err == nil {
		fmt.Fprintf(e.stdout, "Exercise %s is running.\n", exercise)
	}
	return err
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
		err = store.Accounts().CreateUser(ctx, u)
		if errors.Is(err, scoreboard.ErrDuplicate) {
			if err = store.Accounts().SetUserPassword(ctx, u.Name, u.PasswordHash); err == nil && u.Team != "" {
				err = store.Accounts().SetUserTeam(ctx, u.Name, u.Exercise, u.Team)
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
	store.Accounts().RevokeAPIToken(ctx, "manager", "demo")
	token, err := store.Accounts().CreateAPIToken(ctx, "manager", "demo", time.Now(), time.Time{})
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
