package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
)

type apiScenario struct {
	Name      string  `json:"name"`
	Title     string  `json:"title"`
	Summary   string  `json:"summary"`
	Duration  string  `json:"duration"`
	Uploaded  bool    `json:"uploaded"`
	Author    string  `json:"author,omitempty"`
	UpdatedAt *string `json:"updated_at"`
}

func (ins *instructorPages) apiInstructScenarios(c echo.Context) error {
	out := []apiScenario{}
	if ins.director != nil {
		scs, err := ins.director.Scenarios(c.Request().Context())
		if err != nil {
			return err
		}
		for _, sc := range scs {
			out = append(out, apiScenario{Name: sc.Name, Title: sc.Title, Summary: sc.Summary, Duration: sc.Duration.String(),
				Uploaded: sc.Uploaded, Author: sc.Author, UpdatedAt: apiNullTime(sc.UpdatedAt)})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"scenarios": out})
}

func (ins *instructorPages) apiInstructScenario(c echo.Context) error {
	name := c.Param("name")
	if !instructName.MatchString(name) || ins.director == nil {
		return errNotFound
	}
	src, err := ins.director.ScenarioSource(c.Request().Context(), name)
	if errors.Is(err, director.ErrUnknown) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"name": name, "source": src})
}

// apiInstructSaveScenario validates a scenario and, unless check_only is
// set, stores it when it has no errors: 200 with the diagnostics when it
// is valid (warnings may remain), 422 with them when not.
func (ins *instructorPages) apiInstructSaveScenario(c echo.Context) error {
	u := userOf(c)
	var err error
	var in struct {
		Name      string `json:"name"`
		Source    string `json:"source"`
		CheckOnly bool   `json:"check_only"`
	}
	if err := decodeJSON(c, &in, instructJSON); err != nil {
		return err
	}
	if ins.director == nil {
		return &webError{Status: http.StatusServiceUnavailable, Key: "instruct.no_director"}
	}
	var diags []scenarios.Diagnostic
	saved := false
	if in.CheckOnly {
		diags, err = ins.director.CheckScenario(in.Name, []byte(in.Source))
	} else {
		diags, saved, err = ins.director.SaveScenario(c.Request().Context(), in.Name, []byte(in.Source), u.Name)
	}
	if err != nil {
		return err
	}
	if diags == nil {
		diags = []scenarios.Diagnostic{}
	}
	status := http.StatusOK
	if hasErrorDiag(diags) {
		status = http.StatusUnprocessableEntity
	}
	if saved {
		ins.log.Info("scenario saved", "user", u.Name, "scenario", in.Name, "bytes", len(in.Source))
	}
	body := map[string]any{"name": in.Name, "valid": status == http.StatusOK, "saved": saved, "diagnostics": diags}
	if status != http.StatusOK {
		// Like every refusal of the API, it says why in "error".
		body["error"] = "the scenario has errors: see the diagnostics"
	}
	return c.JSON(status, body)
}

type apiTeamDefinition struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

func (ins *instructorPages) apiInstructCreate(c echo.Context) error {
	u := userOf(c)
	var in struct {
		Name     string              `json:"name"`
		Title    string              `json:"title"`
		Scenario string              `json:"scenario"`
		Speed    float64             `json:"speed"`
		Seed     string              `json:"seed"`
		Teams    []apiTeamDefinition `json:"teams"`
	}
	if err := decodeJSON(c, &in, instructJSON); err != nil {
		return err
	}
	if ins.director == nil {
		return &webError{Status: http.StatusServiceUnavailable, Key: "instruct.no_director"}
	}
	if reservedNames[in.Name] {
		return badField("name", "instruct.err.reserved", in.Name)
	}
	def := director.Definition{Name: in.Name, Title: in.Title, Scenario: in.Scenario, Speed: in.Speed, Seed: in.Seed}
	for _, t := range in.Teams {
		def.Teams = append(def.Teams, director.TeamDefinition{ID: t.ID, Name: t.Name, Country: t.Country})
	}
	x, diags, err := ins.director.Create(c.Request().Context(), def, u.Name)
	if err != nil {
		return err
	}
	if x == nil {
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{
			"error": "the scenario could not be planned for these teams", "diagnostics": diags})
	}
	ins.log.Info("exercise created", "user", u.Name, "exercise", x.Name, "scenario", in.Scenario, "teams", len(in.Teams))
	out, err := ins.apiExerciseOut(c, x.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

type apiOperation struct {
	Kind     string   `json:"kind"`
	Author   string   `json:"author"`
	Started  string   `json:"started"`
	Finished *string  `json:"finished"`
	Running  bool     `json:"running"`
	Done     int      `json:"done"`
	Total    int      `json:"total"`
	Lines    []string `json:"lines"`
	Error    string   `json:"error,omitempty"`
}

func operationOut(op director.Operation) apiOperation {
	return apiOperation{Kind: op.Kind, Author: op.Author, Started: apiTime(op.Started), Finished: apiNullTime(op.Finished),
		Running: op.Running(), Done: op.Done, Total: op.Total, Lines: append([]string{}, op.Lines...), Error: op.Err}
}

type apiInstructExerciseOut struct {
	apiExercise
	Approval  bool          `json:"approval"`
	Held      bool          `json:"held"`
	Runtime   string        `json:"runtime_error,omitempty"`
	Operation *apiOperation `json:"operation"`
}

func (ins *instructorPages) apiExerciseOut(c echo.Context, name string) (apiInstructExerciseOut, error) {
	ctx := c.Request().Context()
	ex, err := ins.store.Exercise(ctx, name)
	if err != nil {
		return apiInstructExerciseOut{}, err
	}
	clock, err := ins.store.Clock(ctx, name)
	if err != nil {
		return apiInstructExerciseOut{}, err
	}
	teams, err := ins.store.Teams(ctx, name)
	if err != nil {
		return apiInstructExerciseOut{}, err
	}
	out := apiInstructExerciseOut{apiExercise: apiExercise{
		Name: ex.Name, Title: ex.Title, Scenario: ex.Scenario, Clock: clockOut(clock, ins.now()),
		CreatedAt: apiTime(ex.CreatedAt), StartedAt: apiNullTime(ex.StartedAt), EndedAt: apiNullTime(ex.EndedAt), Teams: []apiTeam{},
	}, Approval: clock.Approval, Runtime: ins.runtimeProblem()}
	for _, t := range teams {
		out.Teams = append(out.Teams, apiTeam{ID: t.ID, Name: t.Name, Country: t.Country, JoinCode: t.JoinCode})
	}
	if _, ok := ins.exerciseOf(name); ok {
		out.Held = true
		if op, ok := ins.director.Operation(name); ok {
			o := operationOut(op)
			out.Operation = &o
		}
	}
	return out, nil
}

func (ins *instructorPages) apiInstructExercises(c echo.Context) error {
	exs, err := ins.store.Exercises(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiInstructExerciseOut, 0, len(exs))
	for _, ex := range exs {
		o, err := ins.apiExerciseOut(c, ex.Name)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	return c.JSON(http.StatusOK, map[string]any{"exercises": out})
}

func (ins *instructorPages) apiInstructExercise(c echo.Context) error {
	out, err := ins.apiExerciseOut(c, c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (ins *instructorPages) apiInstructOperation(c echo.Context) error {
	name := c.Param("name")
	if _, err := ins.heldExercise(name); err != nil {
		return err
	}
	op, ok := ins.director.Operation(name)
	if !ok {
		return c.JSON(http.StatusOK, map[string]any{"operation": nil})
	}
	return c.JSON(http.StatusOK, map[string]any{"operation": operationOut(op)})
}

type apiService struct {
	Name   string  `json:"name"`
	Up     bool    `json:"up"`
	Round  int     `json:"round"`
	Detail string  `json:"detail"`
	At     *string `json:"at"`
}

type apiGridHost struct {
	Name      string       `json:"name"`
	Role      string       `json:"role"`
	State     string       `json:"state"`
	Addresses []string     `json:"addresses"`
	Services  []apiService `json:"services"`
	Terminal  string       `json:"terminal"`
}

type apiGridTeam struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
	// Node is the swarm node the team is placed on, absent on one engine;
	// NodeDown is true while that node does not answer.
	Node     string        `json:"node,omitempty"`
	NodeDown bool          `json:"node_down,omitempty"`
	Hosts    []apiGridHost `json:"hosts"`
}

func (ins *instructorPages) apiInstructGrid(c echo.Context) error {
	name := c.Param("name")
	if _, err := ins.heldExercise(name); err != nil {
		return err
	}
	g, err := ins.director.Grid(c.Request().Context(), name)
	if err != nil {
		return err
	}
	out := []apiGridTeam{}
	for _, t := range g.Teams {
		at := apiGridTeam{ID: t.ID, Name: t.Name, Country: t.Country, Node: t.Node, NodeDown: t.NodeDown, Hosts: []apiGridHost{}}
		for _, h := range t.Hosts {
			host := h.Name
			if h.Role == "attacker" {
				host = "attacker:" + h.Name
			}
			ah := apiGridHost{Name: h.Name, Role: h.Role, State: h.State, Addresses: append([]string{}, h.Addresses...),
				Services: []apiService{}, Terminal: "/terminal/" + name + "/" + t.ID + "/" + host}
			for _, sv := range h.Services {
				ah.Services = append(ah.Services, apiService{Name: sv.Service, Up: sv.Up, Round: sv.Round, Detail: sv.Detail, At: apiNullTime(sv.At)})
			}
			at.Hosts = append(at.Hosts, ah)
		}
		out = append(out, at)
	}
	body := map[string]any{"exercise": name, "teams": out}
	if g.Nodes != nil {
		body["nodes"] = apiNodes(g.Nodes)
	}
	if g.Down != "" {
		body["node_down"] = g.Down
	}
	return c.JSON(http.StatusOK, body)
}

type apiExecution struct {
	ID      int64   `json:"id"`
	Team    string  `json:"team"`
	Attack  string  `json:"attack"`
	Trigger string  `json:"trigger"`
	State   string  `json:"state"`
	Due     string  `json:"due"`
	DueMS   int64   `json:"due_ms"`
	Run     string  `json:"run,omitempty"`
	Outcome string  `json:"outcome,omitempty"`
	Reason  string  `json:"reason,omitempty"`
	Author  string  `json:"author,omitempty"`
	Started *string `json:"started"`
	Ended   *string `json:"ended"`
}

type apiPlannedAttack struct {
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	Techniques []string `json:"techniques"`
	At         string   `json:"at,omitempty"`
	After      string   `json:"after,omitempty"`
	When       string   `json:"when,omitempty"`
	Teams      []string `json:"teams"`
}

type apiPlannedInject struct {
	Name      string   `json:"name"`
	Subject   string   `json:"subject"`
	At        string   `json:"at"`
	Points    int      `json:"points"`
	Teams     []string `json:"teams"`
	Delivered []string `json:"delivered_to"`
}

// apiInstructTimeline is the scenario's attacks and injects, and every
// attack execution so far.
func (ins *instructorPages) apiInstructTimeline(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("name")
	execs, err := ins.store.Executions(ctx, name)
	if err != nil {
		return err
	}
	deliveries, err := ins.store.InjectDeliveries(ctx, name)
	if err != nil {
		return err
	}
	out := struct {
		Attacks    []apiPlannedAttack `json:"attacks"`
		Injects    []apiPlannedInject `json:"injects"`
		Executions []apiExecution     `json:"executions"`
	}{[]apiPlannedAttack{}, []apiPlannedInject{}, []apiExecution{}}
	if x, ok := ins.exerciseOf(name); ok {
		for _, a := range attackLines(x.Plans, execs) {
			pa := apiPlannedAttack{Name: a.Name, Title: a.Title, Techniques: append([]string{}, a.Techniques...), After: a.After, When: a.When, Teams: []string{}}
			if a.After == "" {
				pa.At = scenarios.Clock(a.At)
			}
			for _, cell := range a.Cells {
				if cell.Has {
					pa.Teams = append(pa.Teams, cell.Team)
				}
			}
			out.Attacks = append(out.Attacks, pa)
		}
		for _, in := range injectLines(x.Plans, deliveries) {
			pi := apiPlannedInject{Name: in.Name, Subject: in.Subject, At: scenarios.Clock(in.At), Points: in.Points, Teams: []string{}, Delivered: []string{}}
			for _, cell := range in.Cells {
				if cell.Has {
					pi.Teams = append(pi.Teams, cell.Team)
				}
				if cell.Delivered != nil {
					pi.Delivered = append(pi.Delivered, cell.Team)
				}
			}
			out.Injects = append(out.Injects, pi)
		}
	}
	for _, x := range execs {
		ae := apiExecution{ID: x.ID, Team: x.Team, Attack: x.Attack, Trigger: x.Trigger, State: x.State,
			Due: scenarios.Clock(x.Due), DueMS: x.Due.Milliseconds(), Run: x.Run, Outcome: x.Outcome, Reason: x.Reason, Author: x.Author}
		if !x.Started.At.IsZero() {
			ae.Started = apiNullTime(x.Started.At)
		}
		if !x.Ended.At.IsZero() {
			ae.Ended = apiNullTime(x.Ended.At)
		}
		out.Executions = append(out.Executions, ae)
	}
	return c.JSON(http.StatusOK, out)
}

type apiQueuedResponse struct {
	Team     string `json:"team"`
	Inject   string `json:"inject"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	Points   int    `json:"points"`
	Answered string `json:"answered"`
	Late     bool   `json:"late"`
	Graded   bool   `json:"graded"`
	Percent  *int   `json:"percent"`
	GradedBy string `json:"graded_by,omitempty"`
}

type apiRun struct {
	ID         string   `json:"id"`
	Attack     string   `json:"attack"`
	Target     string   `json:"target"`
	Techniques []string `json:"techniques"`
	Verdict    string   `json:"verdict"`
	Started    string   `json:"started"`
}

type apiUnmatchedReport struct {
	ID         int64    `json:"id"`
	Team       string   `json:"team"`
	Target     string   `json:"target"`
	Techniques []string `json:"techniques"`
	Source     string   `json:"source"`
	Summary    string   `json:"summary"`
	Elapsed    string   `json:"elapsed"`
	Candidates []apiRun `json:"candidates"`
}

// apiInstructQueue is the grading queue: answers to injects (?all=1 also
// the graded ones) and reports no run matched.
func (ins *instructorPages) apiInstructQueue(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("name")
	responses, err := ins.store.InjectResponses(ctx, name, c.QueryParam("all") == "")
	if err != nil {
		return err
	}
	reports, err := ins.store.UnmatchedReports(ctx, name)
	if err != nil {
		return err
	}
	out := struct {
		Responses []apiQueuedResponse  `json:"responses"`
		Reports   []apiUnmatchedReport `json:"reports"`
	}{[]apiQueuedResponse{}, []apiUnmatchedReport{}}
	for _, r := range responses {
		q := apiQueuedResponse{Team: r.Team, Inject: r.Inject, Subject: r.Subject, Body: r.Body, Points: r.Points,
			Answered: scenarios.Clock(r.Answered.Elapsed), Late: r.Late(), Graded: r.Graded, GradedBy: r.GradedBy}
		if r.Graded {
			p := r.Percent
			q.Percent = &p
		}
		out.Responses = append(out.Responses, q)
	}
	for _, r := range reports {
		q := apiUnmatchedReport{ID: r.ID, Team: r.Team, Target: r.Target, Techniques: append([]string{}, r.Techniques...),
			Source: r.Source, Summary: r.Summary, Elapsed: scenarios.Clock(r.Elapsed), Candidates: []apiRun{}}
		for _, run := range r.Candidates {
			q.Candidates = append(q.Candidates, apiRun{ID: run.ID, Attack: run.Attack, Target: run.Target,
				Techniques: append([]string{}, run.Techniques...), Verdict: run.Verdict, Started: scenarios.Clock(run.Started.Elapsed)})
		}
		out.Reports = append(out.Reports, q)
	}
	return c.JSON(http.StatusOK, out)
}

type apiTrainee struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Team        string `json:"team"`
}

type apiTeamMove struct {
	ID           int64  `json:"id"`
	Trainee      string `json:"trainee"`
	FromExercise string `json:"from_exercise"`
	FromTeam     string `json:"from_team"`
	Exercise     string `json:"exercise"`
	Team         string `json:"team"`
	Author       string `json:"author"`
	Reason       string `json:"reason"`
	At           string `json:"at"`
}

// apiInstructTrainees is who is in the exercise's teams, who waits for a
// team, and every move into or out of its teams, newest first.
func (ins *instructorPages) apiInstructTrainees(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("name")
	if _, err := ins.store.Exercise(ctx, name); err != nil {
		return err
	}
	trainees, err := ins.accounts.Trainees(ctx, name)
	if err != nil {
		return err
	}
	moves, err := ins.accounts.TeamMoves(ctx, name)
	if err != nil {
		return err
	}
	out := struct {
		Trainees []apiTrainee  `json:"trainees"`
		Moves    []apiTeamMove `json:"moves"`
	}{[]apiTrainee{}, []apiTeamMove{}}
	for _, t := range trainees {
		out.Trainees = append(out.Trainees, apiTrainee{Name: t.Name, DisplayName: t.DisplayName, Team: t.Team})
	}
	for _, m := range moves {
		out.Moves = append(out.Moves, apiTeamMove{ID: m.ID, Trainee: m.Trainee, FromExercise: m.FromExercise, FromTeam: m.FromTeam,
			Exercise: m.Exercise, Team: m.Team, Author: m.Author, Reason: m.Reason, At: apiTime(m.At)})
	}
	return c.JSON(http.StatusOK, out)
}

// apiInstructAction does one of the control page's actions.
func (ins *instructorPages) apiInstructAction(c echo.Context) error {
	u := userOf(c)
	name, action := c.Param("name"), c.Param("action")
	if !instructKnownAction(action) {
		return errNotFound
	}
	ctx := c.Request().Context()
	if _, err := ins.store.Exercise(ctx, name); err != nil {
		return err
	}
	var in actionInput
	if err := decodeJSON(c, &in, instructJSON); err != nil {
		return err
	}
	res, err := ins.instructAct(ctx, u, name, action, in)
	if err != nil {
		ins.log.Info("instructor action refused", "user", u.Name, "exercise", name, "action", action, "err", err)
		return err
	}
	ins.log.Info("instructor action", "user", u.Name, "exercise", name, "action", action, "api", true)
	out := map[string]any{"ok": true, "action": action, "message": res.Message}
	if res.ID != 0 {
		out["id"] = res.ID
	}
	if res.Teams != nil {
		out["teams"] = res.Teams
	}
	if clock, err := ins.store.Clock(ctx, name); err == nil {
		out["clock"] = clockOut(clock, ins.now())
	}
	if action == "deploy" || action == "teardown" || action == "relocate" {
		if op, ok := ins.director.Operation(name); ok {
			out["operation"] = operationOut(op)
		}
		return c.JSON(http.StatusAccepted, out)
	}
	return c.JSON(http.StatusOK, out)
}
