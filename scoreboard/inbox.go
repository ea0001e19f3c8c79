package scoreboard

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// What a team reads back of its own play: the injects it received with its
// answers and grades, its reports, the indicators it shared and those the
// partner country shared with it, its answers to challenges and the hints it
// took. Every query is of one team; the web layer decides who may ask.

// InboxItem is an inject delivered to a team, with the team's answer and
// the answer's latest grade, when there are.
type InboxItem struct {
	InjectDelivery
	// Response is the team's answer; nil until it answers.
	Response *InjectResponse
	// Grade is the answer's latest grade; nil until an instructor grades it.
	Grade *InjectGrade
}

// Late says whether the answer came after the inject's deadline, or, with
// no answer yet, whether the deadline passed before elapsed.
func (it InboxItem) Late(elapsed time.Duration) bool {
	if !it.Expects || it.Due <= 0 {
		return false
	}
	deadline := it.Elapsed + it.Due
	if it.Response != nil {
		return it.Response.Elapsed > deadline
	}
	return elapsed > deadline
}

// Deadline is the exercise time the answer is due at; zero for none.
func (it InboxItem) Deadline() time.Duration {
	if !it.Expects || it.Due <= 0 {
		return 0
	}
	return it.Elapsed + it.Due
}

// InjectsOf lists the injects delivered to a team, in the order they came,
// with the team's answers and their latest grades.
func (s *Store) InjectsOf(ctx context.Context, exercise, team string) ([]InboxItem, error) {
	ex, t, err := s.exerciseTeam(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		deliveryRow
		Body      sql.NullString `db:"body"`
		Percent   sql.NullInt64  `db:"percent"`
		Author    sql.NullString `db:"author"`
		Note      sql.NullString `db:"note"`
		GradeAt   sql.NullInt64  `db:"grade_at"`
		GradeElap sql.NullInt64  `db:"grade_elapsed"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT d.id, d.inject, d.subject, d.expects, d.points, d.due, d.at, d.elapsed,
			resp.id AS response_id, resp.at AS response_at, resp.elapsed AS response_elapsed, resp.body,
			g.percent, g.author, g.note, g.at AS grade_at, g.elapsed AS grade_elapsed
		FROM inject_deliveries d
		LEFT JOIN inject_responses resp ON resp.delivery_id = d.id
		LEFT JOIN inject_grades g ON g.id = (SELECT max(id) FROM inject_grades WHERE response_id = resp.id)
		WHERE d.exercise_id = ? AND d.team_id = ?
		ORDER BY d.elapsed, d.id`, ex.ID, t.ID)
	if err != nil {
		return nil, fmt.Errorf("injects of team %q: %w", team, err)
	}
	out := make([]InboxItem, 0, len(rows))
	for _, r := range rows {
		it := InboxItem{InjectDelivery: InjectDelivery{
			Exercise: exercise, Team: team, Inject: r.Inject, Subject: r.Subject, Expects: r.Expects,
			Points: r.Points, Due: durationMS(r.Due), Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)},
		}}
		if r.Response.Valid {
			it.Response = &InjectResponse{Exercise: exercise, Team: team, Inject: r.Inject, Body: r.Body.String,
				Moment: Moment{At: fromMS(r.RespAt.Int64), Elapsed: durationMS(r.RespEl.Int64)}}
		}
		if r.Percent.Valid {
			it.Grade = &InjectGrade{Exercise: exercise, Team: team, Inject: r.Inject, Percent: int(r.Percent.Int64),
				Author: r.Author.String, Note: r.Note.String,
				Moment: Moment{At: fromMS(r.GradeAt.Int64), Elapsed: durationMS(r.GradeElap.Int64)}}
		}
		out = append(out, it)
	}
	return out, nil
}

// ReportsOf lists a team's incident reports, oldest first, each with the
// attack run it was matched to, if any.
func (s *Store) ReportsOf(ctx context.Context, exercise, team string) ([]IncidentReport, error) {
	ex, t, err := s.exerciseTeam(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	var rows []reportRow
	// A match says the report found an attack: it waits for the attack's
	// reveal, as the points do.
	err = s.db.SelectContext(ctx, &rows, `SELECT rep.*, ? AS team, run.run AS run FROM incident_reports rep
		LEFT JOIN detections d ON d.report_id = rep.id
			AND (? OR EXISTS (SELECT 1 FROM reveals r WHERE r.run_id = d.run_id))
		LEFT JOIN attack_runs run ON run.id = d.run_id
		WHERE rep.exercise_id = ? AND rep.team_id = ?
		ORDER BY rep.elapsed, rep.id`, t.Key, ex.cfg.Reveal == scenarios.RevealLive, ex.ID, t.ID)
	if err != nil {
		return nil, fmt.Errorf("reports of team %q: %w", team, err)
	}
	out := make([]IncidentReport, len(rows))
	for i, r := range rows {
		out[i] = r.report(exercise)
	}
	return out, nil
}

// Indicators are what a team sees of the CSIRT-to-CSIRT exchange.
type Indicators struct {
	// Shared are the team's own, oldest first.
	Shared []SharedIndicator
	// Received are those the partner country's teams shared, oldest
	// first: every team of another country, as the cooperation rule
	// counts partners.
	Received []SharedIndicator
}

// IndicatorsFor returns the indicators a team shared and those shared with
// it by the partner country's teams.
func (s *Store) IndicatorsFor(ctx context.Context, exercise, team string) (Indicators, error) {
	ex, t, err := s.exerciseTeam(ctx, exercise, team)
	if err != nil {
		return Indicators{}, err
	}
	var rows []indicatorRow
	err = s.db.SelectContext(ctx, &rows, `SELECT si.*, tm.key AS team, tm.country FROM shared_indicators si
		JOIN teams tm ON tm.id = si.team_id
		WHERE si.exercise_id = ? AND (si.team_id = ? OR tm.country <> ?)
		ORDER BY si.elapsed, si.id`, ex.ID, t.ID, t.Country)
	if err != nil {
		return Indicators{}, fmt.Errorf("indicators of team %q: %w", team, err)
	}
	var out Indicators
	for _, r := range rows {
		ind := r.indicator(exercise)
		if r.TeamID == t.ID {
			out.Shared = append(out.Shared, ind)
		} else {
			out.Received = append(out.Received, ind)
		}
	}
	return out, nil
}

// SubmissionsOf lists a team's answers to challenges, oldest first.
func (s *Store) SubmissionsOf(ctx context.Context, exercise, team string) ([]ChallengeSubmission, error) {
	ex, t, err := s.exerciseTeam(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Challenge string `db:"challenge"`
		Answer    string `db:"answer"`
		Correct   bool   `db:"correct"`
		Points    int    `db:"points"`
		At        int64  `db:"at"`
		Elapsed   int64  `db:"elapsed"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT challenge, answer, correct, points, at, elapsed FROM challenge_submissions
		WHERE exercise_id = ? AND team_id = ? ORDER BY at, id`, ex.ID, t.ID)
	if err != nil {
		return nil, fmt.Errorf("answers of team %q: %w", team, err)
	}
	out := make([]ChallengeSubmission, len(rows))
	for i, r := range rows {
		out[i] = ChallengeSubmission{Exercise: exercise, Team: team, Challenge: r.Challenge, Answer: r.Answer,
			Correct: r.Correct, Points: r.Points, Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
	}
	return out, nil
}

// HintsOf lists the hints a team took, oldest first.
func (s *Store) HintsOf(ctx context.Context, exercise, team string) ([]HintTaken, error) {
	ex, t, err := s.exerciseTeam(ctx, exercise, team)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Challenge string `db:"challenge"`
		Hint      int    `db:"hint"`
		Cost      int    `db:"cost"`
		At        int64  `db:"at"`
		Elapsed   int64  `db:"elapsed"`
	}
	err = s.db.SelectContext(ctx, &rows, `SELECT challenge, hint, cost, at, elapsed FROM hints
		WHERE exercise_id = ? AND team_id = ? ORDER BY at, id`, ex.ID, t.ID)
	if err != nil {
		return nil, fmt.Errorf("hints of team %q: %w", team, err)
	}
	out := make([]HintTaken, len(rows))
	for i, r := range rows {
		out[i] = HintTaken{Exercise: exercise, Team: team, Challenge: r.Challenge, Hint: r.Hint, Cost: r.Cost,
			Moment: Moment{At: fromMS(r.At), Elapsed: durationMS(r.Elapsed)}}
	}
	return out, nil
}

func (s *Store) exerciseTeam(ctx context.Context, exercise, team string) (exerciseRow, teamRow, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return ex, teamRow{}, err
	}
	t, err := s.team(ctx, s.db, ex, team)
	return ex, t, err
}
