// Package scenarios is Cordillera's scenario language: the model of a drill,
// its decoding from HCL, its validation, and its evaluation into one concrete
// plan per team.
//
// Loading happens in phases, each returning diagnostics rather than stopping
// at the first mistake:
//
//  1. parse: every .hcl file of a scenario folder is parsed;
//  2. decode: each block is decoded with its own schema into the plain structs
//     below, which keep their source ranges; attributes that may differ per
//     team are kept as expressions;
//  3. validate: names, references, durations, subnets and the timeline are
//     checked across blocks;
//  4. evaluate: for one team, every expression is evaluated with that team's
//     values (addresses, secrets, name, country) into a [TeamPlan].
package scenarios

import (
	"io/fs"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Scenario is one drill as an instructor wrote it: infrastructure, attacks,
// storyline and scoring. It is the same for every team; [Evaluate] turns it
// into a team's concrete plan.
type Scenario struct {
	Name        string
	Title       string
	Summary     string
	Duration    time.Duration
	Difficulty  string
	Tags        []string
	Description string

	// Dir is the folder the scenario was loaded from, as the user named it;
	// file() reads relative to it.
	Dir string

	Networks   []*Network
	Hosts      []*Host
	Attackers  []*Attacker
	Attacks    []*Attack
	Injects    []*Inject
	Challenges []*Challenge
	Scorebot   *Scorebot
	Scoring    *Scoring

	DeclRange hcl.Range

	fsys fileSystem
	// budget is what evaluation spends while the scenario is loaded and
	// validated (see evalBudget); nil once it is loaded.
	budget *budget
}

// Network is one subnet that every team gets a copy of.
type Network struct {
	Name string
	// Subnet, when set, gives the team's subnet; it may use team.index so
	// that every team gets its own. When nil, one is assigned from the
	// exercise's address pool.
	Subnet hcl.Expression
	// Internet lets the network route outside the range. Networks are sealed
	// unless it is true.
	Internet bool

	DeclRange hcl.Range
}

// Build describes an image built from a Dockerfile instead of one named.
type Build struct {
	// Context is the build folder, relative to the scenario folder and
	// inside it; Dockerfile is relative to the context, and inside it.
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Args       map[string]string `json:"args,omitempty"`

	// Files is the build folder, read from the scenario's folder so that no
	// path or symbolic link leads out of it. Plans carry it, for the
	// orchestrator to build the image; it is nil in a decoded scenario.
	Files fs.FS `json:"-"`

	DeclRange       hcl.Range `json:"-"`
	ContextRange    hcl.Range `json:"-"`
	DockerfileRange hcl.Range `json:"-"`
}

// inScenario returns a copy of the build that carries its folder of the
// scenario's files.
func (b *Build) inScenario(fsys fs.FS) *Build {
	if b == nil {
		return nil
	}
	c := *b
	c.Files = nil
	if fsys != nil {
		if sub, err := fs.Sub(fsys, b.Context); err == nil {
			c.Files = sub
		}
	}
	return &c
}

// Ref is a reference to another block, such as network.dmz or host.portal,
// kept with where it was written.
type Ref struct {
	Kind  string // "network", "host", "attacker", "attack"
	Name  string
	Range hcl.Range
}

func (r Ref) String() string { return r.Kind + "." + r.Name }

// Host is a container every team gets: a server to defend.
type Host struct {
	Name         string
	Image        string
	Build        *Build
	Hostname     string
	Description  string
	Networks     []Ref
	Memory       int64 // bytes; 0 means the default
	CPUs         float64
	Pids         int64
	Capabilities []string
	Shell        string
	// Env and Command may use per-team values.
	Env     hcl.Expression
	Command hcl.Expression

	Services []*Service

	DeclRange hcl.Range
}

// Service is a port a host offers, optionally checked by the scorebot every
// round.
type Service struct {
	Name     string
	Port     int
	Protocol string // "tcp" or "udp"
	Check    *Check
	// hasCheckBlock is true when a check was written, even one that failed
	// to decode, so that the mistake is not also reported as a missing check.
	hasCheckBlock bool

	DeclRange hcl.Range
}

// Check types the scorebot knows.
const (
	CheckHTTP    = "http"
	CheckTCP     = "tcp"
	CheckDNS     = "dns"
	CheckCommand = "command"
)

// CheckTypes lists every check type, in the order the documentation gives
// them.
var CheckTypes = []string{CheckHTTP, CheckTCP, CheckDNS, CheckCommand}

// Check is how the scorebot decides a service is up. Its attributes depend on
// its type (see checkSchemas) and are evaluated per team.
type Check struct {
	Type    string
	Timeout time.Duration
	Attrs   hcl.Attributes

	DeclRange hcl.Range
}

// Attacker is the red-team container every team gets, on the team's networks.
type Attacker struct {
	Name     string
	Image    string
	Build    *Build
	Networks []Ref
	// Capabilities the attacker's tools need, such as NET_RAW for raw
	// packet scans; like a host's, all others are dropped.
	Capabilities []string
	Env          hcl.Expression

	DeclRange hcl.Range
}

// Outcomes an attack can have, as used by `when`.
const (
	WhenSucceeded = "succeeded"
	WhenBlocked   = "blocked"
	WhenAny       = "any"
)

// Attack is one step of the red team's timeline.
type Attack struct {
	Name        string
	Title       string
	Description string
	Technique   []string // MITRE ATT&CK technique IDs

	// At is the offset from the exercise's start; it is set unless After is.
	At time.Duration
	// After names the attack whose outcome starts this one, When which
	// outcome does. Delay waits after that outcome.
	After *Ref
	When  string
	Delay time.Duration
	// AtExpr and DelayExpr are at and delay when they depend on the team
	// (they name team.country, team.index or another per-team value):
	// each team's plan evaluates them, and At or Delay is then zero. Nil
	// when the value is the same for every team.
	AtExpr    hcl.Expression
	DelayExpr hcl.Expression

	From    Ref // an attacker
	Target  Ref // a host
	Timeout time.Duration

	// Run and Cleanup are argument lists evaluated per team; Cleanup runs
	// after the attack whatever its outcome.
	Run     hcl.Expression
	Cleanup hcl.Expression

	Success *Success

	DeclRange hcl.Range
}

// Success is the evidence that an attack worked. It never relies on the
// attacking tool's exit code alone. Its criteria are evaluated per team.
type Success struct {
	// Mode is "all" (every criterion must hold) or "any".
	Mode string
	// OutputMatches and OutputExcludes are regular expressions on the
	// attack's combined output; nil when absent.
	OutputMatches  hcl.Expression
	OutputExcludes hcl.Expression
	Probes         []*Probe
	Callbacks      []*Callback
	HTTP           []*HTTPProbe

	DeclRange hcl.Range
}

// Probe is a command run on the target after the attack: evidence left on the
// host itself, such as a file, a user or a process.
type Probe struct {
	Command       hcl.Expression
	ExpectExit    int
	OutputMatches hcl.Expression

	DeclRange hcl.Range
}

// Callback is evidence that the target connected back to the attacker: the
// attacker listens on Port while the attack runs and expects the run's nonce.
type Callback struct {
	Port   int
	Within time.Duration

	DeclRange hcl.Range
}

// HTTPProbe is an HTTP request made from the attacker after the attack.
type HTTPProbe struct {
	URL          hcl.Expression
	Method       string
	ExpectStatus int
	BodyMatches  hcl.Expression

	DeclRange hcl.Range
}

// Inject is a message from the scenario's storyline, delivered to teams at a
// given time.
type Inject struct {
	Name string
	At   time.Duration
	// AtExpr is at when it depends on the team, evaluated in each team's
	// plan (At is then zero); nil when it is the same for every team.
	AtExpr    hcl.Expression
	From      string
	Subject   string
	Body      hcl.Expression
	Countries []string
	Response  *Response

	DeclRange hcl.Range
}

// Response asks teams to answer an inject; instructors grade the answer.
type Response struct {
	Due    time.Duration
	Points int

	DeclRange hcl.Range
}

// Challenge is a forensic question with an answer checked per team.
type Challenge struct {
	Name     string
	Question hcl.Expression
	Answer   hcl.Expression
	Points   int
	// Match is "exact", "caseless" (the default) or "regex".
	Match string
	Hints []*Hint

	DeclRange hcl.Range
}

// Hint helps a team with a challenge at a cost in points.
type Hint struct {
	Text string
	// Cost is -1 where the scenario's hint penalty applies.
	Cost int

	DeclRange hcl.Range
}

// Scorebot configures the per-team container that checks services every
// round.
type Scorebot struct {
	// Networks the scorebot joins; all of the team's when empty.
	Networks []Ref
	Round    time.Duration
	Jitter   time.Duration

	DeclRange hcl.Range
}

// Defaults for the scorebot.
const (
	DefaultRound        = 30 * time.Second
	DefaultCheckTimeout = 5 * time.Second
	DefaultAttackTO     = 5 * time.Minute
)

// Scoring holds the weights of every scoring rule. Every field has a default
// (see [DefaultScoring]); a scenario's scoring block overrides what it names.
type Scoring struct {
	Availability AvailabilityScoring `json:"availability"`
	Attack       AttackScoring       `json:"attack"`
	Detection    DetectionScoring    `json:"detection"`
	Injects      InjectScoring       `json:"injects"`
	Challenges   ChallengeScoring    `json:"challenges"`
	Cooperation  CooperationScoring  `json:"cooperation"`
	Penalties    PenaltyScoring      `json:"penalties"`
	// Weights multiplies each category's points; a missing category weighs 1.
	Weights map[string]float64 `json:"weights"`
	// CountryStanding is how a country's score is formed from its teams':
	// "sum" or "mean".
	CountryStanding string `json:"country_standing"`
	// Reveal is when a team learns an attack's outcome and the points it
	// brought, those of the detection and cooperation it earned included:
	// RevealAfterWindow, RevealEnd or RevealLive. Instructors and managers
	// see everything at once whatever it says.
	Reveal string `json:"reveal"`

	DeclRange hcl.Range `json:"-"`
}

// When a team learns an attack's outcome (Scoring.Reveal).
const (
	// RevealAfterWindow shows it once the detection window opened by the
	// attack's start has closed: a team cannot learn what to report.
	RevealAfterWindow = "after_window"
	// RevealEnd shows it when the exercise ends.
	RevealEnd = "end"
	// RevealLive shows it as soon as the verdict is taken, for drills that
	// do not score detection.
	RevealLive = "live"
)

// AvailabilityScoring rewards services that stay up.
type AvailabilityScoring struct {
	PointsPerCheck int `json:"points_per_check"`
	// After SLAFailures consecutive failed checks of one service, every
	// further failure costs SLAPenalty points.
	SLAFailures int `json:"sla_failures"`
	SLAPenalty  int `json:"sla_penalty"`
}

// AttackScoring rewards blocked attacks and punishes successful ones.
type AttackScoring struct {
	Blocked   int `json:"blocked"`
	Succeeded int `json:"succeeded"`
	// Detected is awarded for an incident report matched to an attack run.
	Detected int `json:"detected"`
}

// DetectionScoring says how incident reports are matched to attack runs.
type DetectionScoring struct {
	// Window is how long after a run a report can still match it.
	Window time.Duration `json:"window"`
	// MinFraction is the share of Detected points still earned by a report
	// filed at the very end of the window; earlier reports earn more.
	MinFraction float64 `json:"min_fraction"`
}

// InjectScoring says how late inject responses are treated.
type InjectScoring struct {
	// LatePenalty is the share of the graded points lost by a late answer.
	LatePenalty float64 `json:"late_penalty"`
}

// ChallengeScoring configures challenge points.
type ChallengeScoring struct {
	FirstSolveBonus int `json:"first_solve_bonus"`
	// MaxAttempts per team and challenge in Cooldown; more are refused.
	MaxAttempts int           `json:"max_attempts"`
	Cooldown    time.Duration `json:"cooldown"`
}

// CooperationScoring rewards indicators shared with the partner country.
type CooperationScoring struct {
	// Shared is awarded to the sharing team when a partner team that received
	// the indicator then detects or blocks the same attack.
	Shared int `json:"shared"`
}

// PenaltyScoring is what a team pays for help.
type PenaltyScoring struct {
	Reset int `json:"reset"`
	Hint  int `json:"hint"`
}

// Scoring categories, as the ledger records them.
const (
	CategoryAvailability = "availability"
	CategoryDefense      = "defense"
	CategoryDetection    = "detection"
	CategoryInjects      = "injects"
	CategoryChallenges   = "challenges"
	CategoryCooperation  = "cooperation"
	CategoryPenalties    = "penalties"
)

// Categories lists every scoring category in display order.
var Categories = []string{
	CategoryAvailability, CategoryDefense, CategoryDetection, CategoryInjects,
	CategoryChallenges, CategoryCooperation, CategoryPenalties,
}

// DefaultScoring returns the weights used where a scenario does not say.
func DefaultScoring() Scoring {
	return Scoring{
		Availability: AvailabilityScoring{PointsPerCheck: 1, SLAFailures: 3, SLAPenalty: 5},
		Attack:       AttackScoring{Blocked: 50, Succeeded: -100, Detected: 40},
		Detection:    DetectionScoring{Window: 30 * time.Minute, MinFraction: 0.5},
		Injects:      InjectScoring{LatePenalty: 0.5},
		Challenges:   ChallengeScoring{FirstSolveBonus: 0, MaxAttempts: 5, Cooldown: time.Minute},
		Cooperation:  CooperationScoring{Shared: 20},
		Penalties:    PenaltyScoring{Reset: 25, Hint: 10},
		Weights:      map[string]float64{},
		// A country's teams are summed unless the scenario says otherwise.
		CountryStanding: "sum",
		Reveal:          RevealAfterWindow,
	}
}

// Weight returns the multiplier of a category.
func (s *Scoring) Weight(category string) float64 {
	if w, ok := s.Weights[category]; ok {
		return w
	}
	return 1
}

// Exercise is one run of a scenario by a set of teams.
type Exercise struct {
	Name     string
	Title    string
	Scenario string
	// ScenarioRange is where the scenario was named, for diagnostics.
	ScenarioRange hcl.Range
	Speed         float64
	// Seed makes secrets and jitter reproducible; empty means one is chosen
	// when the exercise is created.
	Seed string
	// AddressPool is the range from which teams' subnets are assigned:
	// DefaultAddressPool unless the exercise writes address_pool
	// (AddressPoolSet) or Cordillera chose a free block of addresses for
	// it on an engine (orchestrator.ChoosePool).
	AddressPool string
	// AddressPoolSet is true when the exercise writes its address_pool,
	// which is then kept as written; otherwise Cordillera chooses one.
	AddressPoolSet bool
	Teams          []*Team

	// File is the exercise file's path.
	File      string
	DeclRange hcl.Range
}

// Team is one blue team: a country's CSIRT or a group within it.
type Team struct {
	ID      string // the block label
	Name    string
	Country string // ISO 3166-1 alpha-2, upper case

	DeclRange hcl.Range
}
