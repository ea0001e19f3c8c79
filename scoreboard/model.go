// Package scoreboard keeps everything that happens in an exercise and every
// point it is worth.
//
// Outcomes (check results, attack runs, incident reports, inject responses
// and grades, challenge submissions, shared indicators, host resets, hints
// and instructors' adjustments) are recorded in a SQLite file. Recording an
// outcome stores the outcome and the ledger entries the scoring rules derive
// from it in one transaction, keyed so that the same outcome is never scored
// twice. The ledger is append-only; standings, charts, statistics and exports
// are all read from it, so every point can be traced to its cause.
//
// The rules themselves are pure functions in rules.go, configured by a
// scenario's scoring block ([scenarios.Scoring]).
package scoreboard

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cordillera-range/cordillera/scenarios"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrDuplicate means the outcome was already recorded: nothing was
	// written, and its points stand as they were. Recording is idempotent,
	// so a caller replaying outcomes after a restart can ignore it.
	ErrDuplicate   = errors.New("already recorded")
	ErrInvalid     = errors.New("invalid")
	ErrRateLimited = errors.New("rate limited")
	// ErrConflict means someone else changed the thing first: an attack
	// execution that is no longer in the state the change expected.
	ErrConflict = errors.New("changed by someone else")
	// ErrNewerSchema means the database was written by a newer Cordillera.
	ErrNewerSchema = errors.New("database schema is newer than this build")
	ErrNotWritable = errors.New("database is not writable")
)

// CategoryAdjustments holds instructors' adjustments that name no other
// category, so that hand-made points stay visible as such in every breakdown.
const CategoryAdjustments = "adjustments"

// Categories lists every ledger category in display order: the scenario's
// scoring categories, then adjustments.
var Categories = append(append([]string(nil), scenarios.Categories...), CategoryAdjustments)

// Kinds of cause a ledger entry can come from.
const (
	CauseCheck       = "check"
	CauseAttack      = "attack"
	CauseReport      = "report"
	CauseInject      = "inject"
	CauseChallenge   = "challenge"
	CauseCooperation = "cooperation"
	CauseReset       = "reset"
	CauseHint        = "hint"
	CauseAdjustment  = "adjustment"
)

// Attack verdicts.
const (
	VerdictSucceeded = scenarios.WhenSucceeded
	VerdictBlocked   = scenarios.WhenBlocked
	// VerdictNotApplicable is an attack that could not run: it is neither
	// blocked nor succeeded and scores nothing.
	VerdictNotApplicable = "not_applicable"
)

// Moment is when something happened, on both of an exercise's clocks.
type Moment struct {
	// At is the wall clock: what charts show and freezes cut at.
	At time.Time
	// Elapsed is the exercise clock (pauses excluded, speed applied): what
	// the rules compare, because deadlines and windows are scenario times.
	Elapsed time.Duration
}

// normalize checks a moment and rounds it to the milliseconds the store
// keeps, so that what a recording returns equals what is read back.
func (m *Moment) normalize() error {
	if m.At.IsZero() {
		return fmt.Errorf("time is missing: %w", ErrInvalid)
	}
	if m.Elapsed < 0 {
		return fmt.Errorf("exercise time %s is negative: %w", m.Elapsed, ErrInvalid)
	}
	m.At = fromMS(ms(m.At))
	m.Elapsed = m.Elapsed.Truncate(time.Millisecond)
	return nil
}

// clock formats an exercise time as every other clock does, to the nearest
// second.
func clock(d time.Duration) string { return scenarios.Clock(d) }

// Exercise is one run of a scenario, with the scoring it was created with.
type Exercise struct {
	Name     string
	Title    string
	Scenario string
	// Scoring is fixed when the exercise is created, so that every entry of
	// its ledger was computed with the same rules.
	Scoring   scenarios.Scoring
	CreatedAt time.Time
	// StartedAt, EndedAt and FrozenAt are zero until they happen.
	StartedAt time.Time
	EndedAt   time.Time
	FrozenAt  time.Time
}

// Team is one blue team of an exercise.
type Team struct {
	Exercise string
	ID       string // the team block's label, e.g. "cl-csirt"
	Name     string
	Country  string // ISO 3166-1 alpha-2, upper case
	// JoinCode lets trainees join the team; the store generates it.
	JoinCode string
}

// Roles a user can have.
const (
	RoleInstructor = "instructor"
	RoleManager    = "manager"
	RoleTrainee    = "trainee"
)

// User is someone who signs in. A trainee belongs to at most one team at a
// time.
type User struct {
	Name         string
	DisplayName  string
	Role         string
	PasswordHash string // produced by the caller; the store never sees a password
	// Exercise and Team are the trainee's team, empty when none.
	Exercise string
	Team     string
	// Language is the web interface's language the user chose ("es",
	// "en"); empty to follow the browser.
	Language  string
	CreatedAt time.Time
}

// CheckResult is one scorebot check of one service in one round.
type CheckResult struct {
	Exercise, Team string
	Host, Service  string
	Round          int
	Up             bool
	Detail         string
	Moment
}

// AttackRun is one attack of the red team's timeline against one team, with
// its verdict.
type AttackRun struct {
	// ID is the run's correlation id, unique in the exercise.
	ID             string
	Exercise, Team string
	Attack         string
	Techniques     []string // MITRE ATT&CK IDs
	Target         string   // host
	Verdict        string
	Evidence       string
	Started, Ended Moment
}

// IncidentReport is a team's report of an attack it saw.
type IncidentReport struct {
	ID             int64 // set by the store
	Exercise, Team string
	Target         string
	Techniques     []string
	Source         string // the address the attack came from, as the team saw it
	Summary        string
	Moment
	// Run is the attack run the report was matched to, set by the store.
	Run string
}

// Kinds of shared indicator, as STIX names the observable they describe.
const (
	IndicatorIPv4   = "ipv4-addr"
	IndicatorIPv6   = "ipv6-addr"
	IndicatorDomain = "domain-name"
	IndicatorURL    = "url"
	IndicatorSHA256 = "file-sha256"
)

// SharedIndicator is an indicator a team shared with the partner country's
// teams.
type SharedIndicator struct {
	ID             int64 // set by the store
	Exercise, Team string
	// Country is the sharing team's, set by the store.
	Country     string
	Kind, Value string
	// Attack names the scenario attack the indicator is about, when the team
	// knows it (from its own matched report); otherwise Techniques say.
	Attack      string
	Techniques  []string
	Description string
	Moment
}

// InjectDelivery is an inject delivered to one team.
type InjectDelivery struct {
	Exercise, Team, Inject string
	Subject                string
	// Expects says the inject asks for an answer (it has a response block),
	// whose Points and Due follow.
	Expects bool
	Points  int
	Due     time.Duration
	Moment
}

// InjectResponse is a team's answer to an inject. A team answers once.
type InjectResponse struct {
	Exercise, Team, Inject string
	Body                   string
	Moment
}

// InjectGrade is an instructor's grade of a team's answer. Grading again
// corrects the points by the difference.
type InjectGrade struct {
	Exercise, Team, Inject string
	Percent                int
	Author, Note           string
	Moment
}

// ChallengeSubmission is a team's answer to a challenge. The caller checks
// the answer, since only it can evaluate the team's expected value.
type ChallengeSubmission struct {
	Exercise, Team, Challenge string
	Answer                    string
	Correct                   bool
	Points                    int // the challenge's points
	Moment
}

// HintTaken is a hint of a challenge a team chose to see.
type HintTaken struct {
	Exercise, Team, Challenge string
	Hint                      int // index among the challenge's hints
	// Cost is the hint's cost as the scenario gives it: -1 for the
	// scenario's hint penalty.
	Cost int
	Moment
}

// HostReset is a team's broken host put back to its initial state.
type HostReset struct {
	Exercise, Team, Host string
	Author               string
	Moment
}

// Adjustment is points an instructor gives or takes by hand.
type Adjustment struct {
	Exercise, Team string
	// Category defaults to [CategoryAdjustments].
	Category string
	Points   int // exact: weights do not apply to adjustments
	Author   string
	Reason   string
	// Key, when set, makes the adjustment idempotent (a form's submission
	// token); without it every call adds an entry.
	Key string
	Moment
}

// Entry is one line of the ledger.
type Entry struct {
	ID             int64
	Exercise, Team string
	Category       string
	// Points count in the standings; RawPoints are before the category's
	// weight.
	Points, RawPoints int
	Moment
	CauseKind string
	// CauseID is the id of the outcome the entry came from, among outcomes
	// of its kind.
	CauseID int64
	Cause   string
	Author  string
	Reason  string
	// Pending is an entry its team and the public board do not see yet:
	// it waits for its attack to be revealed (scoring.reveal).
	Pending bool

	// revealRun is the attack run whose reveal the entry waits for, when
	// it is being recorded.
	revealRun int64
}

// String explains the entry the way a trainee reads it:
// "−100: attack portal-bruteforce succeeded at 00:12:40 against portal".
func (e Entry) String() string {
	return signed(e.Points) + ": " + e.Cause
}

func signed(n int) string {
	if n < 0 {
		return fmt.Sprintf("\u2212%d", -n)
	}
	return fmt.Sprintf("+%d", n)
}

func validCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}

// required reports the first empty field among name/value pairs.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return fmt.Errorf("%s is missing: %w", pairs[i], ErrInvalid)
		}
	}
	return nil
}
