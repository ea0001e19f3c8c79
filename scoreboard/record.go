package scoreboard

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/cordillera-range/cordillera/scenarios"
)

// Recorded is what recording one outcome wrote.
type Recorded struct {
	// ID is the outcome's id among outcomes of its kind, the CauseID of the
	// entries it caused.
	ID int64
	// Entries are the ledger entries written, possibly for other teams than
	// the outcome's: cooperation credits the teams that shared indicators.
	Entries []Entry
}

// recording is one outcome being recorded, inside its transaction.
type recording struct {
	s    *Store
	ctx  context.Context
	tx   *sqlx.Tx
	ex   exerciseRow
	team teamRow
	out  Recorded
}

// record runs fn in a transaction with the outcome's exercise and team
// loaded: the outcome row and all its entries commit together or not at
// all. what names the outcome in errors.
func (s *Store) record(ctx context.Context, exercise, team, what string, fn func(*recording) error) (Recorded, error) {
	var out Recorded
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		ex, err := s.exercise(ctx, tx, exercise)
		if err != nil {
			return err
		}
		t, err := s.team(ctx, tx, ex, team)
		if err != nil {
			return err
		}
		r := &recording{s: s, ctx: ctx, tx: tx, ex: ex, team: t}
		if err := fn(r); err != nil {
			return err
		}
		out = r.out
		return nil
	})
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// insert writes the outcome's row. Its table's unique key makes a second
// recording of the same outcome insert nothing: ErrDuplicate.
func (r *recording) insert(query string, args ...any) (int64, error) {
	res, err := r.tx.ExecContext(r.ctx, query+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrDuplicate
	}
	r.s.wrote("outcome")
	r.out.ID, err = res.LastInsertId()
	return r.out.ID, err
}

// add appends entries to the ledger; those without a cause id were caused by
// the outcome being recorded.
func (r *recording) add(entries []Entry) error {
	teams := map[string]int64{r.team.Key: r.team.ID}
	for _, e := range entries {
		e.Exercise = r.ex.Name
		if e.CauseID == 0 {
			e.CauseID = r.out.ID
		}
		teamID, ok := teams[e.Team]
		if !ok {
			t, err := r.s.team(r.ctx, r.tx, r.ex, e.Team)
			if err != nil {
				return err
			}
			teamID, teams[e.Team] = t.ID, t.ID
		}
		revealRun := sql.NullInt64{Int64: e.revealRun, Valid: e.revealRun != 0}
		res, err := r.tx.ExecContext(r.ctx, `INSERT INTO ledger (exercise_id, team_id, category, points, raw_points,
				at, elapsed, cause_kind, cause_id, cause, author, reason, reveal_run)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, teamID, e.Category, e.Points, e.RawPoints, ms(e.At), e.Elapsed.Milliseconds(),
			e.CauseKind, e.CauseID, e.Cause, e.Author, e.Reason, revealRun)
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if revealRun.Valid {
			if err := r.tx.GetContext(r.ctx, &e.Pending, "SELECT NOT EXISTS (SELECT 1 FROM reveals WHERE run_id = ?)", e.revealRun); err != nil {
				return err
			}
		}
		r.out.Entries = append(r.out.Entries, e)
		r.s.wrote("entry")
	}
	return nil
}

// awaiting makes entries about an attack run wait for the run's reveal,
// unless the scenario shows outcomes live.
func (r *recording) awaiting(runID int64, entries []Entry) []Entry {
	if r.ex.cfg.Reveal == scenarios.RevealLive {
		return entries
	}
	for i := range entries {
		entries[i].revealRun = runID
	}
	return entries
}

func techniques(ts []string) []string {
	var out []string
	for _, t := range ts {
		if t = strings.ToUpper(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func splitTechniques(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

type runRow struct {
	ID             int64  `db:"id"`
	ExerciseID     int64  `db:"exercise_id"`
	TeamID         int64  `db:"team_id"`
	Team           string `db:"team"`
	Run            string `db:"run"`
	Attack         string `db:"attack"`
	Techniques     string `db:"techniques"`
	Target         string `db:"target"`
	Verdict        string `db:"verdict"`
	Evidence       string `db:"evidence"`
	StartedAt      int64  `db:"started_at"`
	StartedElapsed int64  `db:"started_elapsed"`
	At             int64  `db:"at"`
	Elapsed        int64  `db:"elapsed"`
}

func (r runRow) run(exercise string) AttackRun {
	return AttackRun{
		ID: r.Run, Exercise: exercise, Team: r.Team, Attack: r.Attack, Techniques: splitTechniques(r.Techniques),
		Target: r.Target, Verdict: r.Verdict, Evidence: r.Evidence,
		Started: Moment{At: fromMS(r.StartedAt), Elapsed: durationMS(r.StartedElapsed)},
		Ended:   Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)},
	}
}

type reportRow struct {
	ID         int64          `db:"id"`
	ExerciseID int64          `db:"exercise_id"`
	TeamID     int64          `db:"team_id"`
	Team       string         `db:"team"`
	Target     string         `db:"target"`
	Techniques string         `db:"techniques"`
	Source     string         `db:"source"`
	Summary    string         `db:"summary"`
	At         int64          `db:"at"`
	Elapsed    int64          `db:"elapsed"`
	Run        sql.NullString `db:"run"`
}

func (r reportRow) report(exercise string) IncidentReport {
	return IncidentReport{
		ID: r.ID, Exercise: exercise, Team: r.Team, Target: r.Target, Techniques: splitTechniques(r.Techniques),
		Source: r.Source, Summary: r.Summary, Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}, Run: r.Run.String,
	}
}

// RecordAttackRun records an attack run's verdict and scores it. A report
// the team filed while the run was under way, and that could not be matched
// then, is matched now.
func (s *Store) RecordAttackRun(ctx context.Context, run AttackRun) (Recorded, error) {
	what := fmt.Sprintf("attack run %q of team %q", run.ID, run.Team)
	err := errors.Join(required("run id", run.ID, "attack", run.Attack, "target", run.Target),
		run.Started.normalize(), run.Ended.normalize())
	switch {
	case err != nil:
	case run.Verdict != VerdictSucceeded && run.Verdict != VerdictBlocked && run.Verdict != VerdictNotApplicable:
		err = fmt.Errorf("verdict %q must be %s, %s or %s: %w", run.Verdict, VerdictSucceeded, VerdictBlocked, VerdictNotApplicable, ErrInvalid)
	case run.Ended.Elapsed < run.Started.Elapsed:
		err = fmt.Errorf("run ends at %s, before it starts at %s: %w", clock(run.Ended.Elapsed), clock(run.Started.Elapsed), ErrInvalid)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	run.Techniques = techniques(run.Techniques)
	return s.record(ctx, run.Exercise, run.Team, what, func(r *recording) (err error) {
		runID, err := r.insert(`INSERT INTO attack_runs (exercise_id, team_id, run, attack, techniques, target, verdict,
				evidence, started_at, started_elapsed, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, run.ID, run.Attack, strings.Join(run.Techniques, ","), run.Target, run.Verdict,
			run.Evidence, ms(run.Started.At), run.Started.Elapsed.Milliseconds(), ms(run.Ended.At), run.Ended.Elapsed.Milliseconds())
		if err != nil {
			return err
		}
		if err := r.add(r.awaiting(runID, DefenseEntries(r.ex.cfg, run))); err != nil {
			return err
		}
		// An attack still running when the exercise ended is judged after
		// the end, which revealed everything else: it is revealed at once.
		if r.ex.EndedAt.Valid {
			defer func() {
				if err == nil {
					_, err = r.s.reveal(ctx, r.tx, r.ex, run.Ended, true)
				}
			}()
		}
		if run.Verdict == VerdictNotApplicable {
			return nil
		}
		if run.Verdict == VerdictBlocked {
			if err := r.cooperate(runID, CooperationEvent{Team: r.team.Key, Country: r.team.Country, Run: run, How: HelpedBlock, Moment: run.Ended}); err != nil {
				return err
			}
		}
		var reports []reportRow
		err = r.tx.SelectContext(ctx, &reports, `SELECT rep.*, ? AS team, NULL AS run FROM incident_reports rep
			WHERE exercise_id = ? AND team_id = ? AND target = ? AND elapsed BETWEEN ? AND ?
			AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.report_id = rep.id)
			ORDER BY elapsed, id`,
			r.team.Key, r.ex.ID, r.team.ID, run.Target, run.Started.Elapsed.Milliseconds(),
			(run.Started.Elapsed + r.ex.cfg.Detection.Window).Milliseconds())
		if err != nil {
			return err
		}
		for _, row := range reports {
			rep := row.report(r.ex.Name)
			if _, ok := MatchReport(r.ex.cfg, rep, []AttackRun{run}); ok {
				return r.detect(rep, run, runID)
			}
		}
		return nil
	})
}

// RecordReport records an incident report and, when it matches an attack
// run not yet detected, scores the detection.
func (s *Store) RecordReport(ctx context.Context, rep IncidentReport) (Recorded, error) {
	what := fmt.Sprintf("incident report of team %q", rep.Team)
	if err := errors.Join(required("summary", rep.Summary), rep.normalize()); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	rep.Techniques = techniques(rep.Techniques)
	return s.record(ctx, rep.Exercise, rep.Team, what, func(r *recording) error {
		id, err := r.insert(`INSERT INTO incident_reports (exercise_id, team_id, target, techniques, source, summary, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, rep.Target, strings.Join(rep.Techniques, ","), rep.Source, rep.Summary, ms(rep.At), rep.Elapsed.Milliseconds())
		if err != nil {
			return err
		}
		rep.ID = id
		var rows []runRow
		err = r.tx.SelectContext(ctx, &rows, `SELECT run.*, ? AS team FROM attack_runs run
			WHERE exercise_id = ? AND team_id = ? AND target = ? AND verdict <> ? AND started_elapsed BETWEEN ? AND ?
			AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.run_id = run.id)`,
			r.team.Key, r.ex.ID, r.team.ID, rep.Target, VerdictNotApplicable,
			(rep.Elapsed - r.ex.cfg.Detection.Window).Milliseconds(), rep.Elapsed.Milliseconds())
		if err != nil {
			return err
		}
		runs := make([]AttackRun, len(rows))
		for i, row := range rows {
			runs[i] = row.run(r.ex.Name)
		}
		run, ok := MatchReport(r.ex.cfg, rep, runs)
		if !ok {
			return nil
		}
		for _, row := range rows {
			if row.Run == run.ID {
				return r.detect(rep, run, row.ID)
			}
		}
		return nil
	})
}

// detect records that a report detected a run, with its points and the
// cooperation it earns.
func (r *recording) detect(rep IncidentReport, run AttackRun, runID int64) error {
	if _, err := r.tx.ExecContext(r.ctx, "INSERT INTO detections (report_id, run_id) VALUES (?, ?)", rep.ID, runID); err != nil {
		return fmt.Errorf("detection: %w", err)
	}
	entries := DetectionEntries(r.ex.cfg, rep, run)
	for i := range entries {
		entries[i].CauseID = rep.ID
	}
	if err := r.add(r.awaiting(runID, entries)); err != nil {
		return err
	}
	return r.cooperate(runID, CooperationEvent{Team: r.team.Key, Country: r.team.Country, Run: run, How: HelpedDetect, Moment: later(rep.Moment, run.Ended)})
}

type indicatorRow struct {
	ID          int64  `db:"id"`
	ExerciseID  int64  `db:"exercise_id"`
	TeamID      int64  `db:"team_id"`
	Team        string `db:"team"`
	Country     string `db:"country"`
	Kind        string `db:"kind"`
	Value       string `db:"value"`
	Attack      string `db:"attack"`
	Techniques  string `db:"techniques"`
	Description string `db:"description"`
	At          int64  `db:"at"`
	Elapsed     int64  `db:"elapsed"`
}

func (r indicatorRow) indicator(exercise string) SharedIndicator {
	return SharedIndicator{
		ID: r.ID, Exercise: exercise, Team: r.Team, Country: r.Country, Kind: r.Kind, Value: r.Value,
		Attack: r.Attack, Techniques: splitTechniques(r.Techniques), Description: r.Description,
		Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)},
	}
}

// cooperate credits the teams whose shared indicators helped ev, once per
// run and sharing team.
func (r *recording) cooperate(runID int64, ev CooperationEvent) error {
	var rows []indicatorRow
	err := r.tx.SelectContext(r.ctx, &rows, `SELECT si.*, t.key AS team, t.country FROM shared_indicators si
		JOIN teams t ON t.id = si.team_id
		WHERE si.exercise_id = ? AND t.country <> ? AND si.elapsed < ?`,
		r.ex.ID, ev.Country, ev.Elapsed.Milliseconds())
	if err != nil {
		return fmt.Errorf("cooperation: %w", err)
	}
	indicators := make([]SharedIndicator, len(rows))
	for i, row := range rows {
		indicators[i] = row.indicator(r.ex.Name)
	}
	var credited []Entry
	for _, e := range CooperationEntries(r.ex.cfg, ev, indicators) {
		res, err := r.tx.ExecContext(r.ctx, `INSERT INTO cooperation_credits (run_id, team_id, indicator_id)
			SELECT ?, id, ? FROM teams WHERE exercise_id = ? AND key = ?
			ON CONFLICT DO NOTHING`, runID, e.CauseID, r.ex.ID, e.Team)
		if err != nil {
			return fmt.Errorf("cooperation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			credited = append(credited, e)
		}
	}
	return r.add(r.awaiting(runID, credited))
}

// RecordIndicator records an indicator a team shared with the partner
// country. It scores nothing by itself: the points come when a partner team
// blocks or detects the attack it describes.
func (s *Store) RecordIndicator(ctx context.Context, ind SharedIndicator) (Recorded, error) {
	what := fmt.Sprintf("indicator %s %q of team %q", ind.Kind, ind.Value, ind.Team)
	ind.Value = strings.TrimSpace(ind.Value)
	if err := errors.Join(validIndicator(ind.Kind, ind.Value), ind.normalize()); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	if ind.Kind == IndicatorSHA256 || ind.Kind == IndicatorDomain {
		ind.Value = strings.ToLower(ind.Value)
	}
	return s.record(ctx, ind.Exercise, ind.Team, what, func(r *recording) error {
		_, err := r.insert(`INSERT INTO shared_indicators (exercise_id, team_id, kind, value, attack, techniques, description, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, ind.Kind, ind.Value, ind.Attack, strings.Join(techniques(ind.Techniques), ","),
			ind.Description, ms(ind.At), ind.Elapsed.Milliseconds())
		return err
	})
}

// validIndicator checks a value is what its kind says, since it goes into a
// STIX pattern other CSIRTs' tools will run.
func validIndicator(kind, value string) error {
	bad := fmt.Errorf("%q is not a valid %s: %w", value, kind, ErrInvalid)
	switch kind {
	case IndicatorIPv4, IndicatorIPv6:
		addr, err := netip.ParseAddr(value)
		if err != nil {
			p, perr := netip.ParsePrefix(value)
			addr, err = p.Addr(), perr
		}
		if err != nil || addr.Is4() != (kind == IndicatorIPv4) {
			return bad
		}
	case IndicatorDomain:
		if !strings.Contains(value, ".") || strings.ContainsAny(value, " /:'\\") {
			return bad
		}
	case IndicatorURL:
		if u, err := url.Parse(value); err != nil || u.Scheme == "" || u.Host == "" || strings.ContainsAny(value, "'\\") {
			return bad
		}
	case IndicatorSHA256:
		if b, err := hex.DecodeString(value); err != nil || len(b) != 32 {
			return bad
		}
	default:
		return fmt.Errorf("indicator kind %q must be one of %s, %s, %s, %s, %s: %w",
			kind, IndicatorIPv4, IndicatorIPv6, IndicatorDomain, IndicatorURL, IndicatorSHA256, ErrInvalid)
	}
	return nil
}

// RecordInjectDelivery records that an inject reached a team.
func (s *Store) RecordInjectDelivery(ctx context.Context, d InjectDelivery) (Recorded, error) {
	what := fmt.Sprintf("inject %q to team %q", d.Inject, d.Team)
	err := errors.Join(required("inject", d.Inject), d.normalize())
	if err == nil && (d.Points < 0 || d.Due < 0) {
		err = fmt.Errorf("points %d and due %s must not be negative: %w", d.Points, d.Due, ErrInvalid)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, d.Exercise, d.Team, what, func(r *recording) error {
		_, err := r.insert(`INSERT INTO inject_deliveries (exercise_id, team_id, inject, subject, expects, points, due, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, d.Inject, d.Subject, d.Expects, d.Points, d.Due.Milliseconds(), ms(d.At), d.Elapsed.Milliseconds())
		return err
	})
}

type deliveryRow struct {
	ID       int64         `db:"id"`
	Inject   string        `db:"inject"`
	Subject  string        `db:"subject"`
	Expects  bool          `db:"expects"`
	Points   int           `db:"points"`
	Due      int64         `db:"due"`
	At       int64         `db:"at"`
	Elapsed  int64         `db:"elapsed"`
	Response sql.NullInt64 `db:"response_id"`
	RespAt   sql.NullInt64 `db:"response_at"`
	RespEl   sql.NullInt64 `db:"response_elapsed"`
}

func (r *recording) delivery(inject string) (deliveryRow, error) {
	var d deliveryRow
	err := r.tx.GetContext(r.ctx, &d, `SELECT d.id, d.inject, d.subject, d.expects, d.points, d.due, d.at, d.elapsed,
			resp.id AS response_id, resp.at AS response_at, resp.elapsed AS response_elapsed
		FROM inject_deliveries d LEFT JOIN inject_responses resp ON resp.delivery_id = d.id
		WHERE d.exercise_id = ? AND d.team_id = ? AND d.inject = ?`, r.ex.ID, r.team.ID, inject)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("inject %q was not delivered to team %q: %w", inject, r.team.Key, ErrNotFound)
	}
	return d, err
}

// RecordInjectResponse records a team's answer to an inject it received. A
// team answers once; instructors grade the answer later.
func (s *Store) RecordInjectResponse(ctx context.Context, resp InjectResponse) (Recorded, error) {
	what := fmt.Sprintf("answer of team %q to inject %q", resp.Team, resp.Inject)
	if err := resp.normalize(); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, resp.Exercise, resp.Team, what, func(r *recording) error {
		d, err := r.delivery(resp.Inject)
		if err != nil {
			return err
		}
		if !d.Expects {
			return fmt.Errorf("inject %q asks for no answer: %w", resp.Inject, ErrInvalid)
		}
		_, err = r.insert(`INSERT INTO inject_responses (delivery_id, body, at, elapsed) VALUES (?, ?, ?, ?)`,
			d.ID, resp.Body, ms(resp.At), resp.Elapsed.Milliseconds())
		return err
	})
}

// GradeInjectResponse records an instructor's grade of a team's answer and
// scores it. Grading again with another percentage adds the difference;
// the same percentage again is ErrDuplicate.
func (s *Store) GradeInjectResponse(ctx context.Context, g InjectGrade) (Recorded, error) {
	what := fmt.Sprintf("grade of team %q's answer to inject %q", g.Team, g.Inject)
	err := errors.Join(required("author", g.Author), g.normalize())
	if err == nil && (g.Percent < 0 || g.Percent > 100) {
		err = fmt.Errorf("grade %d%% is outside 0–100: %w", g.Percent, ErrInvalid)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, g.Exercise, g.Team, what, func(r *recording) error {
		d, err := r.delivery(g.Inject)
		if err != nil {
			return err
		}
		if !d.Response.Valid {
			return fmt.Errorf("team %q has not answered inject %q: %w", g.Team, g.Inject, ErrNotFound)
		}
		var previous *InjectGrade
		var percent int
		err = r.tx.GetContext(r.ctx, &percent, "SELECT percent FROM inject_grades WHERE response_id = ? ORDER BY id DESC LIMIT 1", d.Response.Int64)
		switch {
		case err == nil && percent == g.Percent:
			return fmt.Errorf("already graded %d%%: %w", percent, ErrDuplicate)
		case err == nil:
			previous = &InjectGrade{Percent: percent}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		delivery := InjectDelivery{Team: g.Team, Inject: d.Inject, Subject: d.Subject, Expects: d.Expects, Points: d.Points, Due: durationMS(d.Due),
			Moment: Moment{At: fromMS(d.At), Elapsed: durationMS(d.Elapsed)}}
		response := InjectResponse{Team: g.Team, Inject: d.Inject, Moment: Moment{At: fromMS(d.RespAt.Int64), Elapsed: durationMS(d.RespEl.Int64)}}
		entries, err := InjectEntries(r.ex.cfg, delivery, response, g, previous)
		if err != nil {
			return err
		}
		res, err := r.tx.ExecContext(r.ctx, `INSERT INTO inject_grades (response_id, percent, author, note, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?)`, d.Response.Int64, g.Percent, g.Author, g.Note, ms(g.At), g.Elapsed.Milliseconds())
		if err != nil {
			return err
		}
		r.s.wrote("outcome")
		if r.out.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return r.add(entries)
	})
}

// RecordSubmission records a team's answer to a challenge and scores it
// when correct. While the team has too many recent wrong answers, every
// answer is refused with ErrRateLimited and nothing is recorded.
func (s *Store) RecordSubmission(ctx context.Context, sub ChallengeSubmission) (Recorded, error) {
	what := fmt.Sprintf("answer of team %q to challenge %q", sub.Team, sub.Challenge)
	err := errors.Join(required("challenge", sub.Challenge), sub.normalize())
	if err == nil && sub.Points < 0 {
		err = fmt.Errorf("challenge points %d must not be negative: %w", sub.Points, ErrInvalid)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, sub.Exercise, sub.Team, what, func(r *recording) error {
		var solvedBy []int64
		err := r.tx.SelectContext(ctx, &solvedBy, `SELECT team_id FROM challenge_submissions
			WHERE exercise_id = ? AND challenge = ? AND correct`, r.ex.ID, sub.Challenge)
		if err != nil {
			return err
		}
		for _, id := range solvedBy {
			if id == r.team.ID {
				return fmt.Errorf("challenge already solved: %w", ErrDuplicate)
			}
		}
		var wrong []int64
		err = r.tx.SelectContext(ctx, &wrong, `SELECT at FROM challenge_submissions
			WHERE exercise_id = ? AND team_id = ? AND challenge = ? AND NOT correct AND at > ?`,
			r.ex.ID, r.team.ID, sub.Challenge, ms(sub.At.Add(-r.ex.cfg.Challenges.Cooldown)))
		if err != nil {
			return err
		}
		times := make([]time.Time, len(wrong))
		for i, w := range wrong {
			times[i] = fromMS(w)
		}
		if err := AttemptAllowed(r.ex.cfg, times, sub.At); err != nil {
			return err
		}
		if _, err := r.insert(`INSERT INTO challenge_submissions (exercise_id, team_id, challenge, answer, correct, points, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, sub.Challenge, sub.Answer, sub.Correct, sub.Points, ms(sub.At), sub.Elapsed.Milliseconds()); err != nil {
			return err
		}
		return r.add(ChallengeEntries(r.ex.cfg, sub, len(solvedBy) == 0))
	})
}

// RecordHint records a hint a team took and charges it.
func (s *Store) RecordHint(ctx context.Context, h HintTaken) (Recorded, error) {
	what := fmt.Sprintf("hint %d of challenge %q for team %q", h.Hint+1, h.Challenge, h.Team)
	err := errors.Join(required("challenge", h.Challenge), h.normalize())
	if err == nil && (h.Hint < 0 || h.Cost < -1) {
		err = fmt.Errorf("hint index %d must not be negative, nor cost %d below -1: %w", h.Hint, h.Cost, ErrInvalid)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, h.Exercise, h.Team, what, func(r *recording) error {
		if _, err := r.insert(`INSERT INTO hints (exercise_id, team_id, challenge, hint, cost, at, elapsed) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, h.Challenge, h.Hint, h.Cost, ms(h.At), h.Elapsed.Milliseconds()); err != nil {
			return err
		}
		return r.add(HintEntries(r.ex.cfg, h))
	})
}

// RecordReset records a host reset and charges it.
func (s *Store) RecordReset(ctx context.Context, rs HostReset) (Recorded, error) {
	what := fmt.Sprintf("reset of host %q of team %q", rs.Host, rs.Team)
	if err := errors.Join(required("host", rs.Host), rs.normalize()); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, rs.Exercise, rs.Team, what, func(r *recording) error {
		if _, err := r.insert(`INSERT INTO host_resets (exercise_id, team_id, host, author, at, elapsed) VALUES (?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, rs.Host, rs.Author, ms(rs.At), rs.Elapsed.Milliseconds()); err != nil {
			return err
		}
		return r.add(ResetEntries(r.ex.cfg, rs))
	})
}

// Adjust records an instructor's adjustment. It corrects a score by adding
// an entry; nothing already in the ledger changes.
func (s *Store) Adjust(ctx context.Context, a Adjustment) (Recorded, error) {
	what := fmt.Sprintf("adjustment of team %q", a.Team)
	entries, err := AdjustmentEntries(a)
	if err == nil {
		err = a.normalize()
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	entries[0].Moment = a.Moment
	key := sql.NullString{String: a.Key, Valid: a.Key != ""}
	return s.record(ctx, a.Exercise, a.Team, what, func(r *recording) error {
		if _, err := r.insert(`INSERT INTO adjustments (exercise_id, team_id, category, points, author, reason, key, at, elapsed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ex.ID, r.team.ID, entries[0].Category, a.Points, a.Author, entries[0].Reason, key, ms(a.At), a.Elapsed.Milliseconds()); err != nil {
			return err
		}
		return r.add(entries)
	})
}
