package scoreboard

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// RevealDue shows teams and the public board the attack runs whose
// detection window has closed at m, when the scenario reveals outcomes
// after the window: each run's outcome and every point it brought, with an
// event to every team concerned. A run is revealed once; the exercise's
// end reveals whatever is left (see Control). It returns the events
// written.
func (s *Store) RevealDue(ctx context.Context, exercise string, m Moment) ([]Event, error) {
	if err := m.normalize(); err != nil {
		return nil, fmt.Errorf("reveal: %w", err)
	}
	// The engine asks at every tick, and most ticks nothing is due: reads
	// say so without taking the write lock.
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil || ex.cfg.Reveal != scenarios.RevealAfterWindow {
		return nil, err
	}
	var due bool
	err = s.db.GetContext(ctx, &due, `SELECT EXISTS (SELECT 1 FROM attack_runs run
		WHERE run.exercise_id = ? AND run.started_elapsed + ? <= ?
		AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = run.id))`,
		ex.ID, ex.cfg.Detection.Window.Milliseconds(), m.Elapsed.Milliseconds())
	if err != nil || !due {
		return nil, err
	}
	var evs []Event
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, err := s.exercise(ctx, tx, exercise)
		if err != nil {
			return err
		}
		evs, err = s.reveal(ctx, tx, ex, m, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reveal in exercise %q: %w", exercise, err)
	}
	return evs, nil
}

// reveal reveals the runs that are due at m, or every run not revealed
// yet when all is set, inside tx.
func (s *Store) reveal(ctx context.Context, tx *sqlx.Tx, ex exerciseRow, m Moment, all bool) ([]Event, error) {
	switch {
	case ex.cfg.Reveal == scenarios.RevealLive:
		return nil, nil // nothing ever waited
	case ex.cfg.Reveal == scenarios.RevealEnd && !all:
		return nil, nil
	}
	var runs []runRow
	err := tx.SelectContext(ctx, &runs, `SELECT run.*, t.key AS team FROM attack_runs run JOIN teams t ON t.id = run.team_id
		WHERE run.exercise_id = ? AND NOT EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = run.id)
		AND (? OR run.started_elapsed + ? <= ?)
		ORDER BY run.started_elapsed, run.id`,
		ex.ID, all, ex.cfg.Detection.Window.Milliseconds(), m.Elapsed.Milliseconds())
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, row := range runs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO reveals (run_id, exercise_id, at, elapsed) VALUES (?, ?, ?, ?)",
			row.ID, ex.ID, ms(m.At), m.Elapsed.Milliseconds()); err != nil {
			return nil, err
		}
		var sums []revealedSum
		if err := tx.SelectContext(ctx, &sums, `SELECT t.key AS team, l.category, SUM(l.points) AS points
			FROM ledger l JOIN teams t ON t.id = l.team_id WHERE l.reveal_run = ?
			GROUP BY t.key, l.category ORDER BY t.key, l.category`, row.ID); err != nil {
			return nil, err
		}
		for _, ev := range revealEvents(row.run(ex.Name), sums, all) {
			ev.Moment = m
			if err := addEvent(ctx, tx, ex, &ev); err != nil {
				return nil, err
			}
			out = append(out, ev)
		}
	}
	return out, nil
}

type revealedSum struct {
	Team     string `db:"team"`
	Category string `db:"category"`
	Points   int    `db:"points"`
}

// revealEvents tells the attacked team the run's outcome and what it
// brought, and every other team the points the run earned it (the
// cooperation of a shared indicator). Never the evidence: that would say
// what the attack leaves behind.
func revealEvents(run AttackRun, sums []revealedSum, atEnd bool) []Event {
	byTeam := map[string][]string{}
	for _, s := range sums {
		if s.Points != 0 {
			byTeam[s.Team] = append(byTeam[s.Team], signed(s.Points)+" "+s.Category)
		}
	}
	why := "its detection window has closed"
	if atEnd {
		why = "the exercise has ended"
	}
	outcome := map[string]string{
		VerdictSucceeded:     "succeeded",
		VerdictBlocked:       "was blocked",
		VerdictNotApplicable: "could not run",
	}[run.Verdict]
	points := "no points"
	if p := byTeam[run.Team]; len(p) > 0 {
		points = strings.Join(p, ", ")
	}
	techniques := ""
	if len(run.Techniques) > 0 {
		techniques = " (" + strings.Join(run.Techniques, ", ") + ")"
	}
	evs := []Event{{Team: run.Team, Kind: EventAttack, Audience: AudienceTeam,
		Text: fmt.Sprintf("attack %q against %s%s at %s %s: %s. It is shown now that %s.",
			run.Attack, run.Target, techniques, clock(run.Started.Elapsed), outcome, points, why)}}
	var others []string
	for team := range byTeam {
		if team != run.Team {
			others = append(others, team)
		}
	}
	sort.Strings(others)
	for _, team := range others {
		evs = append(evs, Event{Team: team, Kind: EventAttack, Audience: AudienceTeam,
			Text: fmt.Sprintf("an indicator you shared helped team %s against attack %q: %s. It is shown now that %s.",
				run.Team, run.Attack, strings.Join(byTeam[team], ", "), why)})
	}
	return evs
}
