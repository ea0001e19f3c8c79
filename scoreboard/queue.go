package scoreboard

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// QueuedResponse is a team's answer to an inject, as the instructors'
// grading queue shows it: with the inject it answers and its last grade.
type QueuedResponse struct {
	Exercise, Team, Inject string
	Subject                string
	Body                   string
	// Points are what the inject is worth at 100%; Due is how long the
	// team had to answer (0: no deadline).
	Points int
	Due    time.Duration
	// Delivered is when the inject reached the team, Answered when the team
	// answered it.
	Delivered, Answered Moment
	// Graded says the answer has a grade: Percent, by GradedBy.
	Graded   bool
	Percent  int
	GradedBy string
}

// Late says the team answered after the inject's deadline.
func (r QueuedResponse) Late() bool {
	return r.Due > 0 && r.Answered.Elapsed-r.Delivered.Elapsed > r.Due
}

// InjectResponses returns an exercise's inject answers in the order they
// came, each with its latest grade; only those with no grade yet when
// ungradedOnly is set.
func (s *Store) InjectResponses(ctx context.Context, exercise string, ungradedOnly bool) ([]QueuedResponse, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Team       string         `db:"team"`
		Inject     string         `db:"inject"`
		Subject    string         `db:"subject"`
		Body       string         `db:"body"`
		Points     int            `db:"points"`
		Due        int64          `db:"due"`
		DelivAt    int64          `db:"delivered_at"`
		DelivEl    int64          `db:"delivered_elapsed"`
		RespAt     int64          `db:"answered_at"`
		RespEl     int64          `db:"answered_elapsed"`
		Percent    sql.NullInt64  `db:"percent"`
		GradedBy   sql.NullString `db:"graded_by"`
		ResponseID int64          `db:"response_id"`
	}
	// The latest grade of each answer is the one of highest id.
	query := `SELECT t.key AS team, d.inject, d.subject, r.body, d.points, d.due,
			d.at AS delivered_at, d.elapsed AS delivered_elapsed, r.at AS answered_at, r.elapsed AS answered_elapsed,
			g.percent, g.author AS graded_by, r.id AS response_id
		FROM inject_responses r
		JOIN inject_deliveries d ON d.id = r.delivery_id
		JOIN teams t ON t.id = d.team_id
		LEFT JOIN inject_grades g ON g.id = (SELECT max(id) FROM inject_grades WHERE response_id = r.id)
		WHERE d.exercise_id = ?`
	if ungradedOnly {
		query += ` AND g.id IS NULL`
	}
	query += ` ORDER BY r.at, r.id`
	if err := s.db.SelectContext(ctx, &rows, query, ex.ID); err != nil {
		return nil, err
	}
	out := make([]QueuedResponse, len(rows))
	for i, r := range rows {
		out[i] = QueuedResponse{
			Exercise: exercise, Team: r.Team, Inject: r.Inject, Subject: r.Subject, Body: r.Body,
			Points: r.Points, Due: durationMS(r.Due),
			Delivered: Moment{At: fromMS(r.DelivAt), Elapsed: durationMS(r.DelivEl)},
			Answered:  Moment{At: fromMS(r.RespAt), Elapsed: durationMS(r.RespEl)},
			Graded:    r.Percent.Valid, Percent: int(r.Percent.Int64), GradedBy: r.GradedBy.String,
		}
	}
	return out, nil
}

// UnmatchedReport is an incident report the rules matched to no attack
// run, with the runs of its team an instructor may match it to by hand.
type UnmatchedReport struct {
	IncidentReport
	// Candidates are the team's attack runs no report detected yet, the
	// ones on the report's target first, then by how close in time they
	// started to the report.
	Candidates []AttackRun
}

// UnmatchedReports returns an exercise's incident reports that detected
// no attack run, oldest first, each with its candidate runs.
func (s *Store) UnmatchedReports(ctx context.Context, exercise string) ([]UnmatchedReport, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var reports []reportRow
	if err := s.db.SelectContext(ctx, &reports, `SELECT rep.*, t.key AS team, NULL AS run
		FROM incident_reports rep JOIN teams t ON t.id = rep.team_id
		WHERE rep.exercise_id = ? AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.report_id = rep.id)
		ORDER BY rep.at, rep.id`, ex.ID); err != nil {
		return nil, err
	}
	if len(reports) == 0 {
		return nil, nil
	}
	var runs []runRow
	if err := s.db.SelectContext(ctx, &runs, `SELECT run.*, t.key AS team
		FROM attack_runs run JOIN teams t ON t.id = run.team_id
		WHERE run.exercise_id = ? AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.run_id = run.id)
		ORDER BY run.started_elapsed, run.id`, ex.ID); err != nil {
		return nil, err
	}
	out := make([]UnmatchedReport, len(reports))
	for i, row := range reports {
		u := UnmatchedReport{IncidentReport: row.report(exercise)}
		var onTarget, others []AttackRun
		for _, r := range runs {
			if r.TeamID != row.TeamID {
				continue
			}
			if r.Target == row.Target {
				onTarget = append(onTarget, r.run(exercise))
			} else {
				others = append(others, r.run(exercise))
			}
		}
		byCloseness(onTarget, row.Elapsed)
		byCloseness(others, row.Elapsed)
		u.Candidates = append(onTarget, others...)
		out[i] = u
	}
	return out, nil
}

// byCloseness orders runs by how far their start is from a report's
// time, keeping the order of equals.
func byCloseness(runs []AttackRun, reported int64) {
	at := durationMS(reported)
	dist := func(r AttackRun) time.Duration {
		d := r.Started.Elapsed - at
		return max(d, -d)
	}
	slices.SortStableFunc(runs, func(a, b AttackRun) int { return cmp.Compare(dist(a), dist(b)) })
}

// InjectDeliveries returns every inject delivered in an exercise, to every
// team, in the order they were delivered.
func (s *Store) InjectDeliveries(ctx context.Context, exercise string) ([]InjectDelivery, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Team    string `db:"team"`
		Inject  string `db:"inject"`
		Subject string `db:"subject"`
		Expects bool   `db:"expects"`
		Points  int    `db:"points"`
		Due     int64  `db:"due"`
		At      int64  `db:"at"`
		Elapsed int64  `db:"elapsed"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT t.key AS team, d.inject, d.subject, d.expects, d.points, d.due, d.at, d.elapsed
		FROM inject_deliveries d JOIN teams t ON t.id = d.team_id
		WHERE d.exercise_id = ? ORDER BY d.at, d.id`, ex.ID); err != nil {
		return nil, err
	}
	out := make([]InjectDelivery, len(rows))
	for i, r := range rows {
		out[i] = InjectDelivery{Exercise: exercise, Team: r.Team, Inject: r.Inject, Subject: r.Subject, Expects: r.Expects,
			Points: r.Points, Due: durationMS(r.Due), Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
	}
	return out, nil
}

// MatchReportByHand is an instructor's override: it matches a team's
// report that the rules did not match to one of the team's attack runs,
// and scores the detection as the rules would have, with the instructor
// named on the entries. A report already matched, or a run already
// detected, is ErrDuplicate; a run of another team or target is ErrInvalid.
func (s *Store) MatchReportByHand(ctx context.Context, exercise string, report int64, run, author, reason string) (Recorded, error) {
	what := fmt.Sprintf("report %d matched by hand to run %q", report, run)
	if err := required("author", author, "reason", reason); err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	var team string
	err := s.db.GetContext(ctx, &team, `SELECT t.key FROM incident_reports r JOIN teams t ON t.id = r.team_id
		JOIN exercises e ON e.id = r.exercise_id WHERE e.name = ? AND r.id = ?`, exercise, report)
	if errors.Is(err, sql.ErrNoRows) {
		return Recorded{}, fmt.Errorf("%s: no such report: %w", what, ErrNotFound)
	}
	if err != nil {
		return Recorded{}, fmt.Errorf("%s: %w", what, err)
	}
	return s.record(ctx, exercise, team, what, func(r *recording) error {
		var rep reportRow
		if err := r.tx.GetContext(ctx, &rep, `SELECT rep.*, ? AS team, NULL AS run FROM incident_reports rep WHERE id = ?`,
			r.team.Key, report); err != nil {
			return err
		}
		var row runRow
		err := r.tx.GetContext(ctx, &row, `SELECT run.*, ? AS team FROM attack_runs run WHERE exercise_id = ? AND run = ?`,
			r.team.Key, r.ex.ID, run)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no such run: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		if row.TeamID != r.team.ID {
			return fmt.Errorf("the run is another team's: %w", ErrInvalid)
		}
		var n int
		if err := r.tx.GetContext(ctx, &n, `SELECT count(*) FROM detections WHERE report_id = ? OR run_id = ?`, report, row.ID); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the report is matched or the run detected already: %w", ErrDuplicate)
		}
		rp, ar := rep.report(r.ex.Name), row.run(r.ex.Name)
		if _, err := r.tx.ExecContext(r.ctx, "INSERT INTO detections (report_id, run_id) VALUES (?, ?)", rp.ID, row.ID); err != nil {
			return fmt.Errorf("detection: %w", err)
		}
		entries := DetectionEntries(r.ex.cfg, rp, ar)
		for i := range entries {
			entries[i].CauseID = rp.ID
			entries[i].Author = author
			entries[i].Reason = reason
		}
		r.out.ID = rp.ID
		return r.add(r.awaiting(row.ID, entries))
	})
}
