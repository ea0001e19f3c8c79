package scoreboard

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// The scoring rules: pure functions from an outcome, and what the store
// knows around it, to ledger entries. They never read the database, so each
// rule is tested on its own and the same outcome always gives the same
// points. Entries they return carry no exercise, id or cause id; the store
// sets those when it writes them.
//
// Fields of the scoring block that are costs (SLA penalty, reset, hint) are
// taken as magnitudes, whatever their sign; attack points are signed as
// written (succeeded = -100).

// entry makes one entry of a category, with the category's weight applied.
// An entry worth nothing after weighting is left out: it would only be noise
// in a team's explanation.
func entry(cfg scenarios.Scoring, team, category string, raw int, m Moment, kind, cause string) []Entry {
	points := weigh(cfg, category, raw)
	if points == 0 {
		return nil
	}
	return []Entry{{Team: team, Category: category, Points: points, RawPoints: raw, Moment: m, CauseKind: kind, Cause: cause}}
}

func weigh(cfg scenarios.Scoring, category string, raw int) int {
	return int(math.Round(float64(raw) * cfg.Weight(category)))
}

func cost(n int) int { return -max(n, -n) }

// AvailabilityEntries scores one check. failuresBefore is how many checks of
// the same service failed in a row just before this one: after
// SLAFailures of them, every further failure costs SLAPenalty.
func AvailabilityEntries(cfg scenarios.Scoring, r CheckResult, failuresBefore int) []Entry {
	a := cfg.Availability
	what := fmt.Sprintf("check %s/%s", r.Host, r.Service)
	if r.Up {
		return entry(cfg, r.Team, scenarios.CategoryAvailability, a.PointsPerCheck, r.Moment, CauseCheck,
			fmt.Sprintf("%s passed in round %d at %s", what, r.Round, clock(r.Elapsed)))
	}
	n := failuresBefore + 1
	if n <= a.SLAFailures {
		return nil
	}
	return entry(cfg, r.Team, scenarios.CategoryAvailability, cost(a.SLAPenalty), r.Moment, CauseCheck,
		fmt.Sprintf("%s failed in round %d at %s, failure %d in a row (the SLA allows %d)", what, r.Round, clock(r.Elapsed), n, a.SLAFailures))
}

// DefenseEntries scores an attack run's verdict. A run that could not run
// scores nothing: it proves neither defense nor its absence.
func DefenseEntries(cfg scenarios.Scoring, run AttackRun) []Entry {
	var raw int
	switch run.Verdict {
	case VerdictBlocked:
		raw = cfg.Attack.Blocked
	case VerdictSucceeded:
		raw = cfg.Attack.Succeeded
	default:
		return nil
	}
	return entry(cfg, run.Team, scenarios.CategoryDefense, raw, run.Ended, CauseAttack,
		fmt.Sprintf("attack %s %s at %s against %s", run.Attack, run.Verdict, clock(run.Ended.Elapsed), run.Target))
}

// MatchReport finds the attack run an incident report detects among runs not
// yet detected: same team and target host, a technique in common (a
// sub-technique counts as its parent, so T1110 matches T1110.003), filed no
// earlier than the run started and within the detection window. When several
// runs fit, the one that started last is taken: it is the one the team most
// likely saw.
func MatchReport(cfg scenarios.Scoring, rep IncidentReport, runs []AttackRun) (AttackRun, bool) {
	var best AttackRun
	found := false
	for _, run := range runs {
		delay := rep.Elapsed - run.Started.Elapsed
		if run.Team != rep.Team || run.Target != rep.Target || run.Verdict == VerdictNotApplicable ||
			delay < 0 || delay > cfg.Detection.Window || !techniquesOverlap(rep.Techniques, run.Techniques) {
			continue
		}
		if !found || run.Started.Elapsed > best.Started.Elapsed ||
			(run.Started.Elapsed == best.Started.Elapsed && run.ID < best.ID) {
			best, found = run, true
		}
	}
	return best, found
}

func techniquesOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if parentTechnique(x) == parentTechnique(y) {
				return true
			}
		}
	}
	return false
}

func parentTechnique(t string) string {
	t, _, _ = strings.Cut(strings.ToUpper(strings.TrimSpace(t)), ".")
	return t
}

// DetectionEntries scores a report matched to a run. The points fall
// linearly from Detected, for a report filed as the run started, to
// Detected×MinFraction at the end of the window. The entry is dated when both
// the report and the verdict are known.
func DetectionEntries(cfg scenarios.Scoring, rep IncidentReport, run AttackRun) []Entry {
	delay := rep.Elapsed - run.Started.Elapsed
	fraction := 1.0
	if w := cfg.Detection.Window; w > 0 {
		fraction = 1 - (1-cfg.Detection.MinFraction)*float64(delay)/float64(w)
	}
	raw := int(math.Round(float64(cfg.Attack.Detected) * fraction))
	return entry(cfg, rep.Team, scenarios.CategoryDetection, raw, later(rep.Moment, run.Ended), CauseReport,
		fmt.Sprintf("report %d at %s detected attack %s against %s, %s after it started", rep.ID, clock(rep.Elapsed), run.Attack, run.Target, delay))
}

func later(a, b Moment) Moment {
	if b.Elapsed > a.Elapsed {
		return b
	}
	return a
}

// InjectEntries scores an instructor's grade of an inject response:
// Percent of the inject's points, less LatePenalty of them when the answer
// came after the due time. When previous is the response's earlier grade,
// the entry corrects its points by the difference.
func InjectEntries(cfg scenarios.Scoring, d InjectDelivery, r InjectResponse, g InjectGrade, previous *InjectGrade) ([]Entry, error) {
	if g.Percent < 0 || g.Percent > 100 {
		return nil, fmt.Errorf("grade %d%% is outside 0–100: %w", g.Percent, ErrInvalid)
	}
	late := d.Due > 0 && r.Elapsed > d.Elapsed+d.Due
	award := func(percent int) (raw, points int) {
		f := float64(d.Points) * float64(percent) / 100
		if late {
			f *= 1 - cfg.Injects.LatePenalty
		}
		raw = int(math.Round(f))
		return raw, weigh(cfg, scenarios.CategoryInjects, raw)
	}
	raw, points := award(g.Percent)
	cause := fmt.Sprintf("inject %s answered at %s, graded %d%% by %s", d.Inject, clock(r.Elapsed), g.Percent, g.Author)
	if late {
		cause += fmt.Sprintf(", late by %s (−%g%%)", r.Elapsed-d.Elapsed-d.Due, cfg.Injects.LatePenalty*100)
	}
	if previous != nil {
		r0, p0 := award(previous.Percent)
		raw, points = raw-r0, points-p0
		cause = fmt.Sprintf("inject %s regraded from %d%% to %d%% by %s", d.Inject, previous.Percent, g.Percent, g.Author)
	}
	if points == 0 {
		return nil, nil
	}
	return []Entry{{
		Team: g.Team, Category: scenarios.CategoryInjects, Points: points, RawPoints: raw, Moment: g.Moment,
		CauseKind: CauseInject, Cause: cause, Author: g.Author, Reason: g.Note,
	}}, nil
}

// AttemptAllowed says whether a team may answer a challenge at the given
// time, given the times of its earlier wrong answers to it: at most
// MaxAttempts in any Cooldown. Wrong answers are limited, never scored.
func AttemptAllowed(cfg scenarios.Scoring, wrong []time.Time, at time.Time) error {
	c := cfg.Challenges
	if c.MaxAttempts <= 0 {
		return nil
	}
	var recent []time.Time
	for _, t := range wrong {
		if t.After(at.Add(-c.Cooldown)) && !t.After(at) {
			recent = append(recent, t)
		}
	}
	if len(recent) < c.MaxAttempts {
		return nil
	}
	slices.SortFunc(recent, time.Time.Compare)
	wait := recent[len(recent)-c.MaxAttempts].Add(c.Cooldown).Sub(at)
	return fmt.Errorf("%d wrong answers in the last %s; try again in %s: %w", len(recent), c.Cooldown, wait.Round(time.Second), ErrRateLimited)
}

// ChallengeEntries scores a correct answer, plus FirstSolveBonus for the
// first team of the exercise to solve the challenge.
func ChallengeEntries(cfg scenarios.Scoring, s ChallengeSubmission, firstSolve bool) []Entry {
	if !s.Correct {
		return nil
	}
	solved := fmt.Sprintf("challenge %s solved at %s", s.Challenge, clock(s.Elapsed))
	entries := entry(cfg, s.Team, scenarios.CategoryChallenges, s.Points, s.Moment, CauseChallenge, solved)
	if firstSolve {
		entries = append(entries, entry(cfg, s.Team, scenarios.CategoryChallenges, cfg.Challenges.FirstSolveBonus, s.Moment, CauseChallenge,
			solved+", the first team to solve it")...)
	}
	return entries
}

// How a partner team can be helped by a shared indicator.
const (
	HelpedBlock  = "block"
	HelpedDetect = "detect"
)

// CooperationEvent is a team blocking or detecting an attack run, which
// indicators shared with it earlier may have helped.
type CooperationEvent struct {
	Team, Country string
	Run           AttackRun
	How           string // HelpedBlock or HelpedDetect
	// Moment is when the block or detection was established.
	Moment
}

// CooperationEntries credits every team of another country that shared an
// indicator about the same attack before the event: the same scenario
// attack when the indicator names one, a common technique otherwise. A team
// is credited once per event, for its earliest such indicator.
func CooperationEntries(cfg scenarios.Scoring, ev CooperationEvent, indicators []SharedIndicator) []Entry {
	earliest := map[string]SharedIndicator{}
	for _, ind := range indicators {
		if ind.Country == ev.Country || ind.Elapsed >= ev.Elapsed || !aboutAttack(ind, ev.Run) {
			continue
		}
		if prev, ok := earliest[ind.Team]; !ok || ind.Elapsed < prev.Elapsed || (ind.Elapsed == prev.Elapsed && ind.ID < prev.ID) {
			earliest[ind.Team] = ind
		}
	}
	var entries []Entry
	for _, team := range slices.Sorted(maps.Keys(earliest)) {
		ind := earliest[team]
		for _, e := range entry(cfg, team, scenarios.CategoryCooperation, cfg.Cooperation.Shared, ev.Moment, CauseCooperation,
			fmt.Sprintf("indicator %d (%s %s) shared at %s helped %s %s attack %s at %s",
				ind.ID, ind.Kind, ind.Value, clock(ind.Elapsed), ev.Team, ev.How, ev.Run.Attack, clock(ev.Elapsed))) {
			e.CauseID = ind.ID
			entries = append(entries, e)
		}
	}
	return entries
}

func aboutAttack(ind SharedIndicator, run AttackRun) bool {
	if ind.Attack != "" {
		return ind.Attack == run.Attack
	}
	return techniquesOverlap(ind.Techniques, run.Techniques)
}

// HintEntries charges a hint: its own cost, or the scenario's hint penalty
// when its cost is -1.
func HintEntries(cfg scenarios.Scoring, h HintTaken) []Entry {
	c := h.Cost
	if c < 0 {
		c = cfg.Penalties.Hint
	}
	return entry(cfg, h.Team, scenarios.CategoryPenalties, cost(c), h.Moment, CauseHint,
		fmt.Sprintf("hint %d of challenge %s taken at %s", h.Hint+1, h.Challenge, clock(h.Elapsed)))
}

// ResetEntries charges a host reset.
func ResetEntries(cfg scenarios.Scoring, r HostReset) []Entry {
	cause := fmt.Sprintf("host %s reset at %s", r.Host, clock(r.Elapsed))
	if r.Author != "" {
		cause += " by " + r.Author
	}
	return entry(cfg, r.Team, scenarios.CategoryPenalties, cost(cfg.Penalties.Reset), r.Moment, CauseReset, cause)
}

// AdjustmentEntries turns an instructor's adjustment into its entry. Its
// points are exact, unweighted, and it must say who made it and why.
func AdjustmentEntries(a Adjustment) ([]Entry, error) {
	if err := required("author", a.Author, "reason", a.Reason); err != nil {
		return nil, fmt.Errorf("adjustment: %w", err)
	}
	if a.Points == 0 {
		return nil, fmt.Errorf("adjustment of 0 points: %w", ErrInvalid)
	}
	category := a.Category
	if category == "" {
		category = CategoryAdjustments
	}
	if !validCategory(category) {
		return nil, fmt.Errorf("adjustment category %q is not one of %s: %w", a.Category, strings.Join(Categories, ", "), ErrInvalid)
	}
	return []Entry{{
		Team: a.Team, Category: category, Points: a.Points, RawPoints: a.Points, Moment: a.Moment,
		CauseKind: CauseAdjustment, Cause: fmt.Sprintf("adjustment by %s: %s", a.Author, strings.TrimSpace(a.Reason)),
		Author: a.Author, Reason: strings.TrimSpace(a.Reason),
	}}, nil
}
