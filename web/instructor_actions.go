package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// actionInput is every field an instructor's action may take, from a form
// or from JSON.
type actionInput struct {
	Speed    float64 `json:"speed"`
	Reason   string  `json:"reason"`
	On       *bool   `json:"on"`
	Team     string  `json:"team"`
	Attack   string  `json:"attack"`
	ID       int64   `json:"id"`
	Inject   string  `json:"inject"`
	Host     string  `json:"host"`
	Points   int     `json:"points"`
	Category string  `json:"category"`
	Percent  *int    `json:"percent"`
	Note     string  `json:"note"`
	Report   int64   `json:"report"`
	Run      string  `json:"run"`
	Key      string  `json:"key"`
	Trainee  string  `json:"trainee"`
	Node     string  `json:"node"`
	// Confirm says yes to an act that asks first: firing an attack that
	// already ran against the team.
	Confirm bool `json:"confirm"`
}

// actionResult is what an action did, for the page's notice and the API's
// answer.
type actionResult struct {
	// Message says it in English, for scripts; pages say it with the
	// catalog's "instruct.ok.ACTION".
	Message string
	// ID is the attack execution fired, the entry written, or the report
	// matched, when there is one.
	ID int64
	// Teams are the teams an inject was delivered to.
	Teams []string
}

// actions are the instructors' actions on an exercise, by the name in
// their path.
var instructActions = []string{
	"deploy", "teardown", "start", "pause", "resume", "end", "speed", "halt", "unhalt", "approval",
	"fire", "skip", "approve", "deliver", "reset", "relocate", "adjust", "grade", "match", "move",
}

func instructKnownAction(name string) bool { return slices.Contains(instructActions, name) }

// act does one of an instructor's actions on an exercise. Deploying,
// driving and resetting need the director to hold the exercise; adjusting,
// grading, matching reports and moving trainees work on any exercise in the
// store.
func (ins *instructorPages) instructAct(ctx context.Context, u *scoreboard.User, exercise, action string, in actionInput) (actionResult, error) {
	author := u.Name
	in.Reason, in.Team, in.Attack = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Team), strings.TrimSpace(in.Attack)
	in.Inject, in.Host, in.Run = strings.TrimSpace(in.Inject), strings.TrimSpace(in.Host), strings.TrimSpace(in.Run)
	in.Node = strings.TrimSpace(in.Node)
	switch action {
	case "adjust":
		return ins.instructAdjust(ctx, author, exercise, in)
	case "grade":
		return ins.instructGrade(ctx, author, exercise, in)
	case "move":
		return ins.instructMove(ctx, author, exercise, in)
	case "match":
		return ins.instructMatch(ctx, author, exercise, in)
	}
	x, err := ins.heldExercise(exercise)
	if err != nil {
		return actionResult{}, err
	}
	switch action {
	case "deploy", "teardown", "start", "resume", "pause", "end", "speed", "halt", "unhalt", "approval":
		return ins.instructDrive(ctx, author, x, action, in)
	}
	return ins.instructPlay(ctx, author, x, action, in)
}

// instructMatch matches an incident report to an attack run by hand.
func (ins *instructorPages) instructMatch(ctx context.Context, author, exercise string, in actionInput) (actionResult, error) {
	if in.Report <= 0 {
		return actionResult{}, badField("report", "instruct.err.report")
	}
	if in.Run == "" {
		return actionResult{}, badField("run", "instruct.err.run")
	}
	if in.Reason == "" {
		return actionResult{}, badField("reason", "instruct.err.reason")
	}
	rec, err := ins.store.MatchReportByHand(ctx, exercise, in.Report, in.Run, author, in.Reason)
	if err != nil {
		return actionResult{}, err
	}
	return actionResult{Message: fmt.Sprintf("report %d matched to run %s", in.Report, in.Run), ID: rec.ID}, nil
}

// instructDrive deploys or tears down the ranges, or drives the clock and
// the switches of an exercise the director holds.
func (ins *instructorPages) instructDrive(ctx context.Context, author string, x *director.Exercise, action string, in actionInput) (actionResult, error) {
	d, eng, exercise := ins.director, x.Engine, x.Name
	checkSpeed := func(required bool) error {
		if (required || in.Speed != 0) && (in.Speed <= 0 || in.Speed > scenarios.MaxSpeed) {
			return badField("speed", "instruct.err.speed", scenarios.MaxSpeed)
		}
		return nil
	}
	switch action {
	case "deploy":
		if err := ins.deployAllowed(ctx, exercise); err != nil {
			return actionResult{}, err
		}
		return actionResult{Message: "deployment started"}, d.Deploy(ctx, exercise, author)
	case "teardown":
		return actionResult{Message: "teardown started"}, d.TearDown(ctx, exercise, author)
	case "start":
		if err := checkSpeed(false); err != nil {
			return actionResult{}, err
		}
		return actionResult{Message: "exercise started"}, d.Start(ctx, exercise, author, in.Speed)
	case "resume":
		return actionResult{Message: "exercise resumed"}, d.Resume(ctx, exercise, author)
	case "pause":
		return actionResult{Message: "exercise paused"}, eng.Pause(ctx, author, in.Reason)
	case "end":
		return actionResult{Message: "exercise ended"}, eng.End(ctx, author, in.Reason)
	case "speed":
		if err := checkSpeed(true); err != nil {
			return actionResult{}, err
		}
		return actionResult{Message: fmt.Sprintf("speed set to x%g", in.Speed)}, eng.SetSpeed(ctx, author, in.Speed)
	case "halt":
		return actionResult{Message: "kill switch on: every attack stopped"}, eng.Halt(ctx, author, in.Reason)
	case "unhalt":
		return actionResult{Message: "kill switch off: attacks may run again"}, eng.Unhalt(ctx, author)
	case "approval":
		if in.On == nil {
			return actionResult{}, badField("on", "instruct.err.on")
		}
		msg := "attacks no longer wait for approval"
		if *in.On {
			msg = "attacks now wait for approval"
		}
		return actionResult{Message: msg}, eng.RequireApproval(ctx, author, *in.On)
	}
	return actionResult{}, &webError{Status: http.StatusNotFound, Key: "instruct.err.action", Args: []any{action}}
}

// instructPlay fires, skips and approves attacks, delivers injects, and
// resets or moves a team's hosts, in an exercise the director holds.
func (ins *instructorPages) instructPlay(ctx context.Context, author string, x *director.Exercise, action string, in actionInput) (actionResult, error) {
	d, eng, exercise := ins.director, x.Engine, x.Name
	switch action {
	case "fire":
		return ins.instructFire(ctx, author, x, in)
	case "skip":
		reason := in.Reason
		if reason == "" {
			reason = "no reason given"
		}
		if in.ID == 0 {
			if err := planHasAttack(x.Plans, in.Team, in.Attack); err != nil {
				return actionResult{}, err
			}
		}
		return actionResult{Message: "attack skipped", ID: in.ID}, eng.Skip(ctx, in.ID, in.Team, in.Attack, author, reason)
	case "approve":
		if in.ID <= 0 {
			return actionResult{}, badField("id", "instruct.err.id")
		}
		return actionResult{Message: "attack approved", ID: in.ID}, eng.Approve(ctx, in.ID, author)
	case "deliver":
		return ins.instructDeliver(ctx, author, x.Plans, eng.Deliver, in)
	case "reset":
		if !planHasHost(x.Plans, in.Team, in.Host) {
			return actionResult{}, badField("host", "instruct.err.host", in.Host, in.Team)
		}
		return actionResult{Message: fmt.Sprintf("host %s of team %s reset", in.Host, in.Team)}, d.ResetHost(ctx, exercise, in.Team, in.Host, author)
	case "relocate":
		if !slices.ContainsFunc(x.Plans, func(p *scenarios.TeamPlan) bool { return p.Team.ID == in.Team }) {
			return actionResult{}, badField("team", "instruct.err.team", in.Team)
		}
		if in.Node == "" {
			return actionResult{}, badField("node", "instruct.err.node")
		}
		return actionResult{Message: fmt.Sprintf("team %s moves to node %s", in.Team, in.Node)}, d.MoveTeam(ctx, exercise, in.Team, in.Node, author)
	}
	return actionResult{}, &webError{Status: http.StatusNotFound, Key: "instruct.err.action", Args: []any{action}}
}

// instructFire runs an attack against a team now. A re-fire scores the
// team again: it is done only when asked for in so many words. The store
// decides whether it is one, in the transaction that fires it, so a double
// submit fires once.
func (ins *instructorPages) instructFire(ctx context.Context, author string, x *director.Exercise, in actionInput) (actionResult, error) {
	if err := planHasAttack(x.Plans, in.Team, in.Attack); err != nil {
		return actionResult{}, err
	}
	fire := x.Engine.Fire
	if in.Confirm {
		fire = x.Engine.Refire
	}
	f, err := fire(ctx, in.Team, in.Attack, author)
	var ar *scoreboard.AlreadyRanError
	if errors.As(err, &ar) {
		return actionResult{}, &webError{Status: http.StatusConflict, Field: "confirm", Key: "instruct.err.refire", Args: []any{in.Attack, in.Team, ar.Runs}}
	}
	if err != nil {
		return actionResult{}, err
	}
	msg := fmt.Sprintf("attack %s fired against team %s", in.Attack, in.Team)
	if f.Before > 0 {
		msg = fmt.Sprintf("attack %s fired again against team %s (re-fire, confirmed; it had run %d×)", in.Attack, in.Team, f.Before)
	}
	return actionResult{Message: msg, ID: f.ID}, nil
}

// deployAllowed refuses a deployment once the exercise has started: while
// it runs, a deployment would recreate hosts under the teams' hands, and
// after it ended there is nothing left to play. Before the start and while
// paused (after a teardown, say) it is what the instructor needs.
func (ins *instructorPages) deployAllowed(ctx context.Context, exercise string) error {
	c, err := ins.store.Clock(ctx, exercise)
	if err != nil {
		return err
	}
	switch c.State {
	case scoreboard.ClockRunning:
		return &webError{Status: http.StatusConflict, Key: "instruct.err.deploy_running"}
	case scoreboard.ClockEnded:
		return &webError{Status: http.StatusConflict, Key: "instruct.err.deploy_ended"}
	}
	return nil
}

func planHasAttack(plans []*scenarios.TeamPlan, team, attack string) error {
	for _, p := range plans {
		if p.Team.ID != team {
			continue
		}
		for _, a := range p.Attacks {
			if a.Name == attack {
				return nil
			}
		}
		return badField("attack", "instruct.err.attack", attack)
	}
	return badField("team", "instruct.err.team", team)
}

func planHasHost(plans []*scenarios.TeamPlan, team, host string) bool {
	for _, p := range plans {
		if p.Team.ID != team {
			continue
		}
		for _, h := range p.Hosts {
			if h.Name == host {
				return true
			}
		}
	}
	return false
}

// deliver publishes an inject to one team, or to every team that has it
// when no team is named.
func (ins *instructorPages) instructDeliver(ctx context.Context, author string, plans []*scenarios.TeamPlan,
	send func(ctx context.Context, team, inject, author string) error, in actionInput) (actionResult, error) {
	var teams []string
	known := false
	for _, p := range plans {
		if in.Team != "" && p.Team.ID != in.Team {
			continue
		}
		known = true
		for _, inj := range p.Injects {
			if inj.Name == in.Inject {
				teams = append(teams, p.Team.ID)
			}
		}
	}
	if !known {
		return actionResult{}, badField("team", "instruct.err.team", in.Team)
	}
	if len(teams) == 0 {
		return actionResult{}, badField("inject", "instruct.err.inject", in.Inject)
	}
	for _, t := range teams {
		if err := send(ctx, t, in.Inject, author); err != nil {
			return actionResult{}, err
		}
	}
	return actionResult{Message: fmt.Sprintf("inject %s published to %s", in.Inject, strings.Join(teams, ", ")), Teams: teams}, nil
}

// moment is now on both of an exercise's clocks.
func (ins *instructorPages) instructMoment(ctx context.Context, exercise string) (scoreboard.Moment, error) {
	c, err := ins.store.Clock(ctx, exercise)
	if err != nil {
		return scoreboard.Moment{}, err
	}
	return c.Moment(ins.now()), nil
}

func (ins *instructorPages) instructTeam(ctx context.Context, exercise, team string) error {
	teams, err := ins.store.Teams(ctx, exercise)
	if err != nil {
		return err
	}
	for _, t := range teams {
		if t.ID == team {
			return nil
		}
	}
	return badField("team", "instruct.err.team", team)
}

func (ins *instructorPages) instructAdjust(ctx context.Context, author, exercise string, in actionInput) (actionResult, error) {
	if err := ins.instructTeam(ctx, exercise, in.Team); err != nil {
		return actionResult{}, err
	}
	if in.Points == 0 {
		return actionResult{}, badField("points", "instruct.err.points")
	}
	if in.Category != "" && !slices.Contains(scoreboard.Categories, in.Category) {
		return actionResult{}, badField("category", "instruct.err.category", in.Category)
	}
	if in.Reason == "" {
		return actionResult{}, badField("reason", "instruct.err.reason")
	}
	m, err := ins.instructMoment(ctx, exercise)
	if err != nil {
		return actionResult{}, err
	}
	rec, err := ins.store.Adjust(ctx, scoreboard.Adjustment{
		Exercise: exercise, Team: in.Team, Category: in.Category, Points: in.Points, Author: author, Reason: in.Reason,
		Key: strings.TrimSpace(in.Key), Moment: m,
	})
	if err != nil {
		return actionResult{}, err
	}
	ins.instructNote(ctx, exercise, in.Team, m, fmt.Sprintf("%s adjusted the score by %+d: %s", author, in.Points, in.Reason))
	var id int64
	if len(rec.Entries) > 0 {
		id = rec.Entries[0].ID
	}
	return actionResult{Message: fmt.Sprintf("score of team %s adjusted by %+d", in.Team, in.Points), ID: id}, nil
}

func (ins *instructorPages) instructGrade(ctx context.Context, author, exercise string, in actionInput) (actionResult, error) {
	if err := ins.instructTeam(ctx, exercise, in.Team); err != nil {
		return actionResult{}, err
	}
	if in.Inject == "" {
		return actionResult{}, badField("inject", "instruct.err.inject", in.Inject)
	}
	if in.Percent == nil || *in.Percent < 0 || *in.Percent > 100 {
		return actionResult{}, badField("percent", "instruct.err.percent")
	}
	m, err := ins.instructMoment(ctx, exercise)
	if err != nil {
		return actionResult{}, err
	}
	rec, err := ins.store.GradeInjectResponse(ctx, scoreboard.InjectGrade{
		Exercise: exercise, Team: in.Team, Inject: in.Inject, Percent: *in.Percent, Author: author,
		Note: strings.TrimSpace(in.Note), Moment: m,
	})
	if err != nil {
		return actionResult{}, err
	}
	ins.instructNote(ctx, exercise, in.Team, m, fmt.Sprintf("%s graded the answer to inject %q: %d%%", author, in.Inject, *in.Percent))
	return actionResult{Message: fmt.Sprintf("answer of team %s to inject %s graded %d%%", in.Team, in.Inject, *in.Percent), ID: rec.ID}, nil
}

// instructMove moves a trainee into one of the exercise's teams, or out of
// every team when no team is named. Trainees cannot do it themselves (the
// store's JoinTeam refuses a second team); the store keeps every move with
// its author, time and reason.
func (ins *instructorPages) instructMove(ctx context.Context, author, exercise string, in actionInput) (actionResult, error) {
	in.Trainee = strings.TrimSpace(in.Trainee)
	u, err := ins.accounts.UserByName(ctx, in.Trainee)
	switch {
	case in.Trainee == "" || errors.Is(err, scoreboard.ErrNotFound):
		return actionResult{}, badField("trainee", "instruct.err.trainee", in.Trainee)
	case err != nil:
		return actionResult{}, err
	case u.Role != scoreboard.RoleTrainee:
		return actionResult{}, badField("trainee", "instruct.err.not_trainee", in.Trainee)
	}
	if in.Team != "" {
		if err := ins.instructTeam(ctx, exercise, in.Team); err != nil {
			return actionResult{}, err
		}
	}
	if in.Team == u.Team && (in.Team == "" || u.Exercise == exercise) {
		return actionResult{}, badField("team", "instruct.err.same_team", in.Trainee)
	}
	if in.Reason == "" {
		return actionResult{}, badField("reason", "instruct.err.move_reason")
	}
	m, err := ins.accounts.MoveTrainee(ctx, scoreboard.TeamMove{Trainee: in.Trainee, Exercise: exercise, Team: in.Team,
		Author: author, Reason: in.Reason, At: ins.now()})
	if err != nil {
		return actionResult{}, err
	}
	ins.log.Info("trainee moved", "author", author, "trainee", m.Trainee, "from_exercise", m.FromExercise, "from_team", m.FromTeam,
		"exercise", m.Exercise, "team", m.Team, "reason", m.Reason)
	return actionResult{Message: fmt.Sprintf("trainee %s moved from %s to %s", m.Trainee, teamWords(m.FromExercise, m.FromTeam), teamWords(m.Exercise, m.Team)),
		ID: m.ID}, nil
}

// teamWords names a team for the API's message.
func teamWords(exercise, team string) string {
	if team == "" {
		return "no team"
	}
	return "team " + team + " of " + exercise
}

// note tells the exercise's log, and so the team, what an instructor did
// by hand. The ledger already holds it; a note that cannot be written is
// only logged.
func (ins *instructorPages) instructNote(ctx context.Context, exercise, team string, m scoreboard.Moment, text string) {
	if _, err := ins.store.AddEvent(context.WithoutCancel(ctx), exercise, scoreboard.Event{
		Team: team, Kind: scoreboard.EventControl, Text: text, Audience: scoreboard.AudienceTeam, Moment: m,
	}); err != nil {
		ins.log.Warn("event not recorded", "exercise", exercise, "err", err)
	}
}
