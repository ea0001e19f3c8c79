package engine

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// What teams do during an exercise: answer challenges and injects, file
// incident reports, share indicators. Each is refused while the exercise
// is not running, then checked by the rules of play (rules.go), stamped
// with the exercise clock and recorded; the store scores it.

// now is the moment on both clocks, if the exercise is playing.
func (e *Engine) now(ctx context.Context) (scoreboard.Moment, error) {
	c, err := e.Playing(ctx)
	if err != nil {
		return scoreboard.Moment{}, err
	}
	return e.moment(c), nil
}

// Answer checks a team's answer to a challenge against the team's own
// accepted answers, and records it. Wrong answers are rate limited by the
// scenario's scoring (scoreboard.ErrRateLimited says when to try again); a
// solved challenge cannot be answered again (scoreboard.ErrDuplicate).
func (e *Engine) Answer(ctx context.Context, team, challenge, answer string) (bool, error) {
	if _, ok := e.byTeam[team]; !ok {
		return false, refuse(ErrUnknown, "no team %q in exercise %q", team, e.exercise.Name)
	}
	ch, err := e.Challenge(team, challenge)
	if err != nil {
		return false, err
	}
	m, err := e.now(ctx)
	if err != nil {
		return false, err
	}
	if answer, err = text("answer", answer, true, MaxAnswer); err != nil {
		return false, err
	}
	correct := AnswerMatches(ch.Match, ch.Answers, answer)
	_, err = e.store.RecordSubmission(ctx, scoreboard.ChallengeSubmission{
		Exercise: e.exercise.Name, Team: team, Challenge: challenge, Answer: answer, Correct: correct, Points: ch.Points, Moment: m,
	})
	return correct, err
}

// AnswerMatches says whether a given answer is one of the accepted ones:
// the same text ("exact"), the same but for letter case ("caseless"), or
// wholly matched by a regular expression ("regex"). Surrounding spaces
// never count.
func AnswerMatches(mode string, accepted []string, given string) bool {
	given = strings.TrimSpace(given)
	for _, a := range accepted {
		switch mode {
		case "exact":
			if given == strings.TrimSpace(a) {
				return true
			}
		case "regex":
			re, err := regexp.Compile(`^(?:` + a + `)$`)
			if err == nil && re.MatchString(given) {
				return true
			}
		default:
			if strings.EqualFold(given, strings.TrimSpace(a)) {
				return true
			}
		}
	}
	return false
}

// Report files a team's incident report; the store matches it to an attack
// run (by target, technique and time window) and scores the detection. The
// report comes back as the store holds it, with the run it matched.
func (e *Engine) Report(ctx context.Context, r scoreboard.IncidentReport) (scoreboard.IncidentReport, error) {
	m, err := e.now(ctx)
	if err != nil {
		return r, err
	}
	if r, err = checkReport(e.byTeam[r.Team], r); err != nil {
		return r, err
	}
	r.Exercise, r.Moment = e.exercise.Name, m
	rec, err := e.store.RecordReport(ctx, r)
	if err != nil {
		return r, err
	}
	r.ID = rec.ID
	reps, err := e.store.ReportsOf(ctx, r.Exercise, r.Team)
	if err != nil {
		return r, err
	}
	for _, got := range reps {
		if got.ID == r.ID {
			return got, nil
		}
	}
	return r, nil
}

// Share records an indicator a team shares with the partner country's
// teams; the cooperation rule scores it when it helps them. The indicator
// comes back as the store holds it: with its id, its value normalised.
func (e *Engine) Share(ctx context.Context, ind scoreboard.SharedIndicator) (scoreboard.SharedIndicator, error) {
	m, err := e.now(ctx)
	if err != nil {
		return ind, err
	}
	if ind, err = checkIndicator(e.byTeam[ind.Team], ind); err != nil {
		return ind, err
	}
	ind.Exercise, ind.Moment = e.exercise.Name, m
	if _, err = e.store.RecordIndicator(ctx, ind); err != nil {
		return ind, err
	}
	got, err := e.store.IndicatorsFor(ctx, ind.Exercise, ind.Team)
	if err != nil {
		return ind, err
	}
	for _, si := range got.Shared {
		if si.Kind == ind.Kind && strings.EqualFold(si.Value, ind.Value) {
			return si, nil
		}
	}
	return ind, nil
}

// Respond records a team's answer to an inject, for instructors to grade:
// once, to an inject delivered to the team that asks for one. The inject
// comes back as the team's inbox holds it, with the answer.
func (e *Engine) Respond(ctx context.Context, team, inject, body string) (scoreboard.InboxItem, error) {
	m, err := e.now(ctx)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	items, err := e.store.InjectsOf(ctx, e.exercise.Name, team)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	if body, err = checkResponse(items, inject, body); err != nil {
		return scoreboard.InboxItem{}, err
	}
	_, err = e.store.RecordInjectResponse(ctx, scoreboard.InjectResponse{
		Exercise: e.exercise.Name, Team: team, Inject: inject, Body: body, Moment: m,
	})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return scoreboard.InboxItem{}, broke("body", ErrAnswered, nil)
	}
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	items, err = e.store.InjectsOf(ctx, e.exercise.Name, team)
	if err != nil {
		return scoreboard.InboxItem{}, err
	}
	for _, it := range items {
		if it.Inject == inject {
			return it, nil
		}
	}
	return scoreboard.InboxItem{}, refuse(ErrUnknown, "no inject %q delivered to team %q", inject, team)
}

// TakeHint shows a team hint n (from 0) of a challenge and charges its
// cost at the exercise clock. A hint taken before is shown again, not
// charged again.
func (e *Engine) TakeHint(ctx context.Context, team, challenge string, n int) (scenarios.HintPlan, error) {
	ch, err := e.Challenge(team, challenge)
	if err != nil {
		return scenarios.HintPlan{}, err
	}
	if n < 0 || n >= len(ch.Hints) {
		return scenarios.HintPlan{}, refuse(ErrUnknown, "challenge %q has no hint %d", challenge, n+1)
	}
	m, err := e.now(ctx)
	if err != nil {
		return scenarios.HintPlan{}, err
	}
	_, err = e.store.RecordHint(ctx, scoreboard.HintTaken{Exercise: e.exercise.Name, Team: team, Challenge: challenge, Hint: n, Cost: ch.Hints[n].Cost, Moment: m})
	if err != nil && !errors.Is(err, scoreboard.ErrDuplicate) {
		return scenarios.HintPlan{}, err
	}
	return ch.Hints[n], nil
}
