package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// instructCard is one exercise on the workspace's first page.
type instructCard struct {
	Name, Title, Scenario string
	State                 string
	Clock                 string
	Teams                 int
	Held                  bool
	Halted                bool
	Operation             *director.Operation
}

type instructHomeView struct {
	NoDirector bool
	Runtime    string // why nothing can be deployed, if so
	Exercises  []instructCard
}

func (ins *instructorPages) instructHome(c echo.Context) error {
	ctx := c.Request().Context()
	exs, err := ins.store.Exercises(ctx)
	if err != nil {
		return err
	}
	view := instructHomeView{NoDirector: ins.director == nil, Runtime: ins.runtimeProblem()}
	for _, ex := range exs {
		clock, err := ins.store.Clock(ctx, ex.Name)
		if err != nil {
			return err
		}
		teams, err := ins.store.Teams(ctx, ex.Name)
		if err != nil {
			return err
		}
		card := instructCard{Name: ex.Name, Title: orName(ex.Title, ex.Name), Scenario: ex.Scenario, State: clock.State,
			Clock: scenarios.Clock(clock.Elapsed(ins.now())), Teams: len(teams), Halted: clock.Halted}
		if _, ok := ins.exerciseOf(ex.Name); ok {
			card.Held = true
			if op, ok := ins.director.Operation(ex.Name); ok {
				card.Operation = &op
			}
		}
		view.Exercises = append(view.Exercises, card)
	}
	p := ins.page(c, "instruct.title")
	p.Data = view
	return ins.render(c, http.StatusOK, tmplInstructHome, p)
}

// newExerciseRows is how many team rows the form offers; blank ones are
// ignored, so no script is needed to add a team.
const newExerciseRows = 6

type teamRow struct {
	ID, Name, Country string
}

type instructNewView struct {
	NoDirector bool
	Scenarios  []director.Scenario
	Name       string
	Title      string
	Scenario   string
	Speed      string
	Seed       string
	Teams      []teamRow
	Countries  []string
	// Field is the field at fault ("teams[2].id"), Error what is wrong.
	Field, Error string
	Diagnostics  []scenarios.Diagnostic
}

// FieldError returns the error when it is the field's.
func (v instructNewView) FieldError(field string) string {
	if v.Field == field {
		return v.Error
	}
	return ""
}

// TeamField names a team row's field as the director does.
func (v instructNewView) TeamField(i int, field string) string {
	return fmt.Sprintf("teams[%d].%s", i, field)
}

func (ins *instructorPages) instructNewPage(c echo.Context) error {
	view := instructNewView{Speed: "1", Teams: make([]teamRow, newExerciseRows)}
	view.Teams[0].Country, view.Teams[1].Country = "CL", "CO"
	view.Scenario = c.QueryParam("scenario")
	return ins.renderNew(c, http.StatusOK, view)
}

func (ins *instructorPages) renderNew(c echo.Context, status int, view instructNewView) error {
	view.NoDirector = ins.director == nil
	view.Countries = []string{"CL", "CO"}
	if ins.director != nil {
		scs, err := ins.director.Scenarios(c.Request().Context())
		if err != nil {
			return err
		}
		view.Scenarios = scs
	}
	p := ins.page(c, "instruct.new.title")
	p.Data = view
	return ins.render(c, status, tmplInstructNew, p)
}

// definitionForm reads the new-exercise form. rows maps each team of the
// definition to the form's row it came from.
func definitionForm(c echo.Context) (director.Definition, instructNewView, []int) {
	view := instructNewView{
		Name: strings.TrimSpace(c.FormValue("name")), Title: strings.TrimSpace(c.FormValue("title")),
		Scenario: strings.TrimSpace(c.FormValue("scenario")), Speed: strings.TrimSpace(c.FormValue("speed")),
		Seed: strings.TrimSpace(c.FormValue("seed")), Teams: make([]teamRow, newExerciseRows),
	}
	def := director.Definition{Name: view.Name, Title: view.Title, Scenario: view.Scenario, Seed: view.Seed}
	var rows []int
	for i := range newExerciseRows {
		n := strconv.Itoa(i)
		t := teamRow{
			ID:      strings.TrimSpace(c.FormValue("team_id_" + n)),
			Name:    strings.TrimSpace(c.FormValue("team_name_" + n)),
			Country: strings.TrimSpace(c.FormValue("team_country_" + n)),
		}
		view.Teams[i] = t
		if t.ID == "" && t.Name == "" {
			continue
		}
		def.Teams = append(def.Teams, director.TeamDefinition{ID: t.ID, Name: t.Name, Country: t.Country})
		rows = append(rows, i)
	}
	return def, view, rows
}

func (ins *instructorPages) instructCreate(c echo.Context) error {
	u := userOf(c)
	def, view, rows := definitionForm(c)
	if ins.director == nil {
		view.Error = translate(viewerOf(c).lang, "instruct.no_director")
		return ins.renderNew(c, http.StatusServiceUnavailable, view)
	}
	lang := viewerOf(c).lang
	if view.Speed != "" {
		f, err := strconv.ParseFloat(strings.Replace(view.Speed, ",", ".", 1), 64)
		if err != nil {
			view.Field, view.Error = "speed", translate(lang, "instruct.err.speed", scenarios.MaxSpeed)
			return ins.renderNew(c, http.StatusUnprocessableEntity, view)
		}
		def.Speed = f
	}
	if reservedNames[def.Name] {
		view.Field, view.Error = "name", translate(lang, "instruct.err.reserved", def.Name)
		return ins.renderNew(c, http.StatusUnprocessableEntity, view)
	}
	x, diags, err := ins.director.Create(c.Request().Context(), def, u.Name)
	var fe *director.FieldError
	switch {
	case errors.As(err, &fe):
		view.Field, view.Error = rowField(fe.Field, rows), fe.Message
		return ins.renderNew(c, http.StatusUnprocessableEntity, view)
	case err != nil:
		ae := classifyAction(err)
		if ae.Status >= 500 && !errors.Is(err, director.ErrNoRuntime) {
			return err
		}
		view.Error = ae.text(lang)
		return ins.renderNew(c, ae.Status, view)
	case x == nil:
		view.Error, view.Diagnostics = translate(lang, "instruct.new.plan_failed"), diags
		return ins.renderNew(c, http.StatusUnprocessableEntity, view)
	}
	ins.log.Info("exercise created", "user", u.Name, "exercise", x.Name, "scenario", def.Scenario, "teams", len(def.Teams))
	return c.Redirect(http.StatusSeeOther, "/instruct/"+x.Name+"?ok=create")
}

// rowField turns the director's "teams[i].id", i counting the teams given,
// into the form's row.
func rowField(field string, rows []int) string {
	var i int
	var rest string
	if n, _ := fmt.Sscanf(field, "teams[%d]%s", &i, &rest); n == 2 && i >= 0 && i < len(rows) {
		return fmt.Sprintf("teams[%d]%s", rows[i], rest)
	}
	return field
}

// The exercise's control page.

type attackCell struct {
	Team string
	Has  bool
	// Exec is the team's timeline execution of the attack, nil until it
	// falls due or is skipped.
	Exec *scoreboard.Execution
	// Manual counts the times it was fired by hand.
	Manual int
	// Runs counts its executions that ran, run or are to run: firing it
	// again is a re-fire, which asks for confirmation.
	Runs int
}

type attackLine struct {
	Name, Title string
	Techniques  []string
	At          time.Duration
	After, When string
	Delay       time.Duration
	Cells       []attackCell
}

type injectCell struct {
	Team      string
	Has       bool
	Delivered *scoreboard.InjectDelivery
}

type injectLine struct {
	Name, Subject string
	At            time.Duration
	Points        int
	Expects       bool
	Cells         []injectCell
}

type instructExerciseView struct {
	Exercise   scoreboard.Exercise
	Clock      scoreboard.Clock
	Elapsed    time.Duration
	ElapsedMS  int64
	Running    bool
	Teams      []scoreboard.Team
	Held       bool
	NoDirector bool
	Runtime    string
	// Speed is the clock's speed once started, else the speed the
	// exercise starts at.
	Speed float64

	Operation *director.Operation
	OpPercent int
	OpLines   []string
	Grid      *director.Grid
	GridError string
	// Nodes are the swarm's nodes the exercises run on; none on one
	// engine.
	Nodes      []nodeRow
	Attacks    []attackLine
	Executions []scoreboard.Execution
	Injects    []injectLine
	Responses  []scoreboard.QueuedResponse
	Reports    []scoreboard.UnmatchedReport
	Categories []string
	Events     []scoreboard.Event

	// OK names the action that just succeeded; Error is why one failed,
	// Action which one and Field the field at fault, with the values sent.
	OK, Action, Field, Error string
	Form                     url.Values
	// AdjustKey makes the adjustment form's submission count once.
	AdjustKey string
	// Refire is the attack a fire was refused for because it already ran:
	// the page asks to confirm it.
	Refire *refireView
	// Internet are the networks of the teams' plans open to the internet.
	Internet []string
	// Trainees are those of the exercise's teams and those in none; Moves
	// every instructor's move into or out of its teams, newest first.
	Trainees []scoreboard.User
	Moves    []scoreboard.TeamMove
}

// InternetNames lists the networks open to the internet for a sentence.
func (v instructExerciseView) InternetNames() string { return strings.Join(v.Internet, ", ") }

// refireView is the confirmation step of a re-fire, a form of its own so
// that it needs no script.
type refireView struct {
	Team, Attack string
	Runs         int
}

// CanDeploy says whether the exercise's state lets it be deployed (see
// deployAllowed) and no deployment or teardown is under way.
func (v instructExerciseView) CanDeploy() bool {
	switch v.Clock.State {
	case scoreboard.ClockRunning, scoreboard.ClockEnded:
		return false
	}
	return v.Operation == nil || !v.Operation.Running()
}

// CanFire says whether attacks may be fired now: only while the clock runs
// and the kill switch is off.
func (v instructExerciseView) CanFire() bool { return v.Running && !v.Clock.Halted }

// Value is a sent value of the failed action's form, to show it again.
func (v instructExerciseView) Value(action, field string) string {
	if v.Action != action {
		return ""
	}
	return v.Form.Get(field)
}

func (ins *instructorPages) instructExercise(c echo.Context) error {
	return ins.renderExercise(c, http.StatusOK, c.Param("exercise"), func(v *instructExerciseView) {
		if ok := c.QueryParam("ok"); ok == "create" || instructKnownAction(ok) {
			v.OK = ok
		}
	})
}

func (ins *instructorPages) renderExercise(c echo.Context, status int, name string, tweak func(*instructExerciseView)) error {
	view, err := ins.exerciseView(c.Request().Context(), name)
	if err != nil {
		return err
	}
	tweak(&view)
	p := ins.page(c, "instruct.title")
	p.Title = view.Exercise.Title + " · " + p.T("instruct.title")
	p.Data = view
	return ins.render(c, status, tmplInstructExercise, p)
}

// exerciseView reads everything the control page shows.
func (ins *instructorPages) exerciseView(ctx context.Context, name string) (instructExerciseView, error) {
	ex, clock, elapsed, err := exerciseHead(ctx, ins.store, ins.now(), name)
	if err != nil {
		return instructExerciseView{}, err
	}
	v := instructExerciseView{
		Exercise: ex, Clock: clock, Elapsed: elapsed, ElapsedMS: elapsed.Milliseconds(), Running: clock.State == scoreboard.ClockRunning,
		NoDirector: ins.director == nil, Runtime: ins.runtimeProblem(), Categories: scoreboard.Categories, AdjustKey: randomKey(),
	}
	if v.Teams, err = ins.store.Teams(ctx, name); err != nil {
		return v, err
	}
	x, held := ins.exerciseOf(name)
	v.Held = held
	v.Speed = clock.Speed
	if held && clock.State == scoreboard.ClockCreated && x.Spec.Speed > 0 {
		v.Speed = x.Spec.Speed
	}
	if held {
		ins.rangeView(ctx, &v, name)
	}
	execs, err := ins.store.Executions(ctx, name)
	if err != nil {
		return v, err
	}
	deliveries, err := ins.store.InjectDeliveries(ctx, name)
	if err != nil {
		return v, err
	}
	if held {
		v.Attacks = attackLines(x.Plans, execs)
		v.Injects = injectLines(x.Plans, deliveries)
	}
	v.Internet = internetNetworks(ins.plans(name))
	v.Executions = make([]scoreboard.Execution, 0, len(execs))
	for i := len(execs) - 1; i >= 0 && len(v.Executions) < 200; i-- {
		v.Executions = append(v.Executions, execs[i])
	}
	if v.Responses, v.Reports, err = ins.gradingQueue(ctx, name); err != nil {
		return v, err
	}
	if v.Trainees, err = ins.accounts.Trainees(ctx, name); err != nil {
		return v, err
	}
	if v.Moves, err = ins.accounts.TeamMoves(ctx, name); err != nil {
		return v, err
	}
	events, err := ins.store.LastEvents(ctx, name, 30)
	if err != nil {
		return v, err
	}
	v.Events = newestFirst(events)
	return v, nil
}

// rangeView adds what the director knows of the exercise's ranges: the
// operation under way or the last one, and the grid of hosts.
func (ins *instructorPages) rangeView(ctx context.Context, v *instructExerciseView, name string) {
	if op, ok := ins.director.Operation(name); ok {
		v.Operation = &op
		if op.Total > 0 {
			v.OpPercent = min(100, op.Done*100/op.Total)
		}
		v.OpLines = op.Lines[max(0, len(op.Lines)-12):]
	}
	if g, err := ins.director.Grid(ctx, name); err != nil {
		v.GridError = err.Error()
	} else {
		v.Grid = &g
		v.Nodes = nodeRows(g.Nodes)
	}
}

// gradingQueue is the answers to injects, those waiting for a grade
// first, and the incident reports no run matched.
func (ins *instructorPages) gradingQueue(ctx context.Context, name string) ([]scoreboard.QueuedResponse, []scoreboard.UnmatchedReport, error) {
	responses, err := ins.store.InjectResponses(ctx, name, false)
	if err != nil {
		return nil, nil, err
	}
	slices.SortStableFunc(responses, func(a, b scoreboard.QueuedResponse) int {
		switch {
		case a.Graded == b.Graded:
			return 0
		case !a.Graded:
			return -1
		}
		return 1
	})
	reports, err := ins.store.UnmatchedReports(ctx, name)
	return responses, reports, err
}

// attackLines lays the scenario's attacks out against the teams: each
// team's plan may differ, so the attacks are the union, in plan order.
func attackLines(plans []*scenarios.TeamPlan, execs []scoreboard.Execution) []attackLine {
	var out []attackLine
	index := map[string]int{}
	for _, p := range plans {
		for _, a := range p.Attacks {
			if _, ok := index[a.Name]; ok {
				continue
			}
			index[a.Name] = len(out)
			out = append(out, attackLine{Name: a.Name, Title: a.Title, Techniques: a.Technique, At: time.Duration(a.At),
				After: a.After, When: a.When, Delay: time.Duration(a.Delay), Cells: make([]attackCell, len(plans))})
		}
	}
	teamIndex := map[string]int{}
	for ti, p := range plans {
		teamIndex[p.Team.ID] = ti
		for i := range out {
			out[i].Cells[ti].Team = p.Team.ID
		}
		for _, a := range p.Attacks {
			out[index[a.Name]].Cells[ti].Has = true
		}
	}
	for i := range execs {
		x := &execs[i]
		ai, ok := index[x.Attack]
		ti, ok2 := teamIndex[x.Team]
		if !ok || !ok2 {
			continue
		}
		cell := &out[ai].Cells[ti]
		if x.Ran() {
			cell.Runs++
		}
		if x.Trigger == scoreboard.TriggerTimeline {
			cell.Exec = x
		} else {
			cell.Manual++
		}
	}
	return out
}

// internetNetworks names the networks of any team's plan that are open to
// the internet, once each, in plan order.
func internetNetworks(plans []*scenarios.TeamPlan) []string {
	var out []string
	for _, p := range plans {
		for _, n := range p.Networks {
			if n.Internet && !slices.Contains(out, n.Name) {
				out = append(out, n.Name)
			}
		}
	}
	return out
}

func injectLines(plans []*scenarios.TeamPlan, deliveries []scoreboard.InjectDelivery) []injectLine {
	var out []injectLine
	index := map[string]int{}
	for _, p := range plans {
		for _, in := range p.Injects {
			if _, ok := index[in.Name]; ok {
				continue
			}
			index[in.Name] = len(out)
			l := injectLine{Name: in.Name, Subject: in.Subject, At: time.Duration(in.At), Cells: make([]injectCell, len(plans))}
			if in.Response != nil {
				l.Expects, l.Points = true, in.Response.Points
			}
			out = append(out, l)
		}
	}
	teamIndex := map[string]int{}
	for ti, p := range plans {
		teamIndex[p.Team.ID] = ti
		for i := range out {
			out[i].Cells[ti].Team = p.Team.ID
		}
		for _, in := range p.Injects {
			out[index[in.Name]].Cells[ti].Has = true
		}
	}
	for i := range deliveries {
		d := &deliveries[i]
		ii, ok := index[d.Inject]
		ti, ok2 := teamIndex[d.Team]
		if ok && ok2 {
			out[ii].Cells[ti].Delivered = d
		}
	}
	return out
}

func randomKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// actionForm reads an action's fields from a form.
func actionForm(c echo.Context) (actionInput, *webError) {
	in := actionInput{
		Reason: c.FormValue("reason"), Team: c.FormValue("team"), Attack: c.FormValue("attack"), Inject: c.FormValue("inject"),
		Host: c.FormValue("host"), Category: c.FormValue("category"), Note: c.FormValue("note"), Run: c.FormValue("run"),
		Key: c.FormValue("key"), Trainee: c.FormValue("trainee"), Node: c.FormValue("node"),
	}
	num := func(field string, set func(string) error) *webError {
		v := strings.TrimSpace(c.FormValue(field))
		if v == "" {
			return nil
		}
		if err := set(strings.Replace(v, ",", ".", 1)); err != nil {
			return instructBadField(field, "instruct.err.number")
		}
		return nil
	}
	for _, f := range []struct {
		name string
		set  func(string) error
	}{
		{"speed", func(v string) (err error) { in.Speed, err = strconv.ParseFloat(v, 64); return }},
		{"id", func(v string) (err error) { in.ID, err = strconv.ParseInt(v, 10, 64); return }},
		{"report", func(v string) (err error) { in.Report, err = strconv.ParseInt(v, 10, 64); return }},
		{"points", func(v string) (err error) { in.Points, err = strconv.Atoi(strings.TrimPrefix(v, "+")); return }},
		{"percent", func(v string) error {
			n, err := strconv.Atoi(v)
			in.Percent = &n
			return err
		}},
	} {
		if err := num(f.name, f.set); err != nil {
			return in, err
		}
	}
	switch c.FormValue("confirm") {
	case "yes", "on", "true", "1":
		in.Confirm = true
	}
	switch c.FormValue("on") {
	case "on", "true", "1":
		on := true
		in.On = &on
	case "off", "false", "0":
		off := false
		in.On = &off
	}
	return in, nil
}

// sections are where each action's form sits on the control page.
var actionSections = map[string]string{
	"deploy": "control", "teardown": "control", "start": "control", "pause": "control", "resume": "control", "end": "control",
	"speed": "control", "halt": "control", "unhalt": "control", "approval": "control",
	"fire": "timeline", "skip": "timeline", "approve": "timeline", "deliver": "injects", "reset": "grid", "relocate": "operation",
	"adjust": "adjust", "grade": "grading", "match": "grading", "move": "trainees",
}

func (ins *instructorPages) instructAction(c echo.Context) error {
	u := userOf(c)
	name, action := c.Param("exercise"), c.Param("action")
	if !instructName.MatchString(name) || !instructKnownAction(action) {
		return errNotFound
	}
	ctx := c.Request().Context()
	if _, err := ins.store.Exercise(ctx, name); err != nil {
		return err
	}
	in, ae := actionForm(c)
	if ae == nil {
		_, err := ins.instructAct(ctx, u, name, action, in)
		ae = classifyAction(err)
	}
	if ae == nil {
		ins.log.Info("instructor action", "user", u.Name, "exercise", name, "action", action)
		return c.Redirect(http.StatusSeeOther, "/instruct/"+name+"?ok="+action+"#"+actionSections[action])
	}
	ins.log.Info("instructor action refused", "user", u.Name, "exercise", name, "action", action, "status", ae.Status, "err", ae.Error())
	form, _ := c.FormParams()
	return ins.renderExercise(c, ae.Status, name, func(v *instructExerciseView) {
		v.Action, v.Field, v.Error, v.Form = action, ae.Field, ae.text(viewerOf(c).lang), form
		if ae.Key == "instruct.err.refire" {
			v.Refire = &refireView{Team: strings.TrimSpace(in.Team), Attack: strings.TrimSpace(in.Attack), Runs: ae.Args[2].(int)}
		}
	})
}
