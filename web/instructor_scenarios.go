package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/scenarios"
)

type instructScenariosView struct {
	NoDirector bool
	Scenarios  []director.Scenario
	Saved      string
}

func (ins *instructorPages) instructScenarios(c echo.Context) error {
	view := instructScenariosView{NoDirector: ins.director == nil}
	if saved := c.QueryParam("saved"); instructName.MatchString(saved) {
		view.Saved = saved
	}
	if ins.director != nil {
		scs, err := ins.director.Scenarios(c.Request().Context())
		if err != nil {
			return err
		}
		view.Scenarios = scs
	}
	p := ins.page(c, "instruct.scenarios.title")
	p.Data = view
	return ins.render(c, http.StatusOK, tmplInstructScenarios, p)
}

// sourceLine is one line of a scenario's text, with the diagnostics that
// start on it.
type sourceLine struct {
	N    int
	Text string
	// Bad marks a line inside an error's range, Warn inside a warning's.
	Bad, Warn   bool
	Diagnostics []scenarios.Diagnostic
}

type instructScenarioView struct {
	NoDirector bool
	// New is true for an upload under a new name; false when editing.
	New    bool
	Name   string
	Source string
	// Checked says the text was validated; Saved that it was stored.
	Checked, Saved bool
	Field, Error   string
	Diagnostics    []scenarios.Diagnostic
	Errors         int
	Lines          []sourceLine
}

// annotate puts each diagnostic on the lines it covers. Diagnostics with
// no line (or past the end) stay in the list at the top only.
func (v *instructScenarioView) annotate() {
	v.Lines = nil
	v.Errors = 0
	for _, d := range v.Diagnostics {
		if d.Severity == "error" {
			v.Errors++
		}
	}
	if len(v.Diagnostics) == 0 {
		return
	}
	for i, text := range sourceLines(v.Source) {
		v.Lines = append(v.Lines, sourceLine{N: i + 1, Text: text})
	}
	for _, d := range v.Diagnostics {
		if d.Line < 1 || d.Line > len(v.Lines) {
			continue
		}
		end := max(d.EndLine, d.Line)
		// A range that ends at column 1 of the next line ends on this one.
		if end > d.Line && d.EndCol <= 1 {
			end--
		}
		for n := d.Line; n <= min(end, len(v.Lines)); n++ {
			if d.Severity == "error" {
				v.Lines[n-1].Bad = true
			} else {
				v.Lines[n-1].Warn = true
			}
		}
		v.Lines[d.Line-1].Diagnostics = append(v.Lines[d.Line-1].Diagnostics, d)
	}
}

func (ins *instructorPages) instructScenarioNew(c echo.Context) error {
	return ins.renderScenario(c, http.StatusOK, instructScenarioView{New: true, Source: scenarioTemplate})
}

// scenarioTemplate is where a new scenario starts.
const scenarioTemplate = `scenario "my-drill" {
  title    = "My drill"
  summary  = "What the teams defend, and against what."
  duration = "1h"
}

network "dmz" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.dmz]

  service "http" {
    port = 80
    check "http" {
      path          = "/"
      expect_status = 200
    }
  }
}
`

func (ins *instructorPages) instructScenarioEdit(c echo.Context) error {
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
	return ins.renderScenario(c, http.StatusOK, instructScenarioView{Name: name, Source: src})
}

func (ins *instructorPages) renderScenario(c echo.Context, status int, view instructScenarioView) error {
	view.NoDirector = ins.director == nil
	view.annotate()
	key := "instruct.scenario.edit"
	if view.New {
		key = "instruct.scenario.new"
	}
	p := ins.page(c, key)
	if !view.New {
		p.Title += " · " + view.Name
	}
	p.Data = view
	return ins.render(c, status, tmplInstructScenario, p)
}

// scenarioText is the text sent: an uploaded file's when one was chosen,
// else the text area's.
func scenarioText(c echo.Context) (string, error) {
	fh, err := c.FormFile("file")
	if err == nil && fh.Size > 0 {
		if fh.Size > director.MaxScenarioSize {
			return "", &director.FieldError{Field: "source", Message: "the file is larger than 512 KiB"}
		}
		f, err := fh.Open()
		if err != nil {
			return "", err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, director.MaxScenarioSize+1))
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	return c.FormValue("source"), nil
}

// instructScenarioPost checks an uploaded or edited scenario, and stores it
// unless only a check was asked for or it has errors. The text sent always
// comes back, with each diagnostic on its line.
func (ins *instructorPages) instructScenarioPost(c echo.Context) error {
	u := userOf(c)
	view := instructScenarioView{New: c.Param("name") == ""}
	view.Name = strings.TrimSpace(c.FormValue("name"))
	if !view.New {
		view.Name = c.Param("name")
		if !instructName.MatchString(view.Name) {
			return errNotFound
		}
	}
	src, err := scenarioText(c)
	var fe *director.FieldError
	if errors.As(err, &fe) {
		view.Source = c.FormValue("source")
		view.Field, view.Error = fe.Field, fe.Message
		return ins.renderScenario(c, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	view.Source = strings.ReplaceAll(src, "\r\n", "\n")
	if ins.director == nil {
		view.Error = translate(viewerOf(c).lang, "instruct.no_director")
		return ins.renderScenario(c, http.StatusServiceUnavailable, view)
	}
	ctx := c.Request().Context()
	checkOnly := c.FormValue("check") != ""
	if checkOnly {
		view.Diagnostics, err = ins.director.CheckScenario(view.Name, []byte(view.Source))
	} else {
		view.Diagnostics, view.Saved, err = ins.director.SaveScenario(ctx, view.Name, []byte(view.Source), u.Name)
	}
	if errors.As(err, &fe) {
		view.Field, view.Error = fe.Field, fe.Message
		return ins.renderScenario(c, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	view.Checked = true
	status := http.StatusOK
	if hasErrorDiag(view.Diagnostics) {
		status = http.StatusUnprocessableEntity
	}
	if view.Saved {
		ins.log.Info("scenario saved", "user", u.Name, "scenario", view.Name, "bytes", len(view.Source))
		if len(view.Diagnostics) == 0 {
			return c.Redirect(http.StatusSeeOther, "/instruct/scenarios?saved="+view.Name)
		}
		// Saved with warnings: they are shown where they are.
		view.New = false
	}
	return ins.renderScenario(c, status, view)
}

func hasErrorDiag(diags []scenarios.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == "error" {
			return true
		}
	}
	return false
}
