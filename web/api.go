package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// The API's JSON is a contract with scripts: snake_case names, times in
// RFC 3339 UTC, exercise times both as HH:MM:SS and in milliseconds.

type apiTeam struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Country  string `json:"country"`
	JoinCode string `json:"join_code,omitempty"` // instructors only
}

type apiClock struct {
	State     string  `json:"state"`
	Speed     float64 `json:"speed"`
	Elapsed   string  `json:"elapsed"`
	ElapsedMS int64   `json:"elapsed_ms"`
	Halted    bool    `json:"halted"`
}

type apiExercise struct {
	Name      string    `json:"name"`
	Title     string    `json:"title"`
	Scenario  string    `json:"scenario"`
	Clock     apiClock  `json:"clock"`
	CreatedAt string    `json:"created_at"`
	StartedAt *string   `json:"started_at"`
	EndedAt   *string   `json:"ended_at"`
	Teams     []apiTeam `json:"teams"`
}

func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func apiNullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := apiTime(t)
	return &s
}

func clockOut(c scoreboard.Clock, now time.Time) apiClock {
	e := c.Elapsed(now)
	return apiClock{State: c.State, Speed: c.Speed, Elapsed: scenarios.Clock(e), ElapsedMS: e.Milliseconds(), Halted: c.Halted}
}

// apiExercises lists every exercise; public, like the scoreboard.
func (pub *publicPages) apiExercises(c echo.Context) error {
	ctx := c.Request().Context()
	exs, err := pub.store.Exercises(ctx)
	if err != nil {
		return err
	}
	u := viewerOf(c).user
	out := make([]apiExercise, 0, len(exs))
	for _, ex := range exs {
		clock, err := pub.store.Clock(ctx, ex.Name)
		if err != nil {
			return err
		}
		teams, err := pub.store.Teams(ctx, ex.Name)
		if err != nil {
			return err
		}
		ae := apiExercise{
			Name: ex.Name, Title: ex.Title, Scenario: ex.Scenario, Clock: clockOut(clock, pub.now()),
			CreatedAt: apiTime(ex.CreatedAt), StartedAt: apiNullTime(ex.StartedAt), EndedAt: apiNullTime(ex.EndedAt),
			Teams: []apiTeam{},
		}
		for _, t := range teams {
			at := apiTeam{ID: t.ID, Name: t.Name, Country: t.Country}
			if u != nil && u.Role == scoreboard.RoleInstructor {
				at.JoinCode = t.JoinCode
			}
			ae.Teams = append(ae.Teams, at)
		}
		out = append(out, ae)
	}
	return c.JSON(http.StatusOK, map[string]any{"exercises": out})
}

type apiTeamStanding struct {
	Rank       int            `json:"rank"`
	Team       apiTeam        `json:"team"`
	Total      int            `json:"total"`
	Categories map[string]int `json:"categories"`
}

type apiCountryStanding struct {
	Rank       int                `json:"rank"`
	Country    string             `json:"country"`
	Teams      int                `json:"teams"`
	Total      float64            `json:"total"`
	Categories map[string]float64 `json:"categories"`
}

type apiStandings struct {
	Exercise        string               `json:"exercise"`
	View            string               `json:"view"`
	FrozenAt        *string              `json:"frozen_at"`
	CountryStanding string               `json:"country_standing"`
	Categories      []string             `json:"categories"`
	Teams           []apiTeamStanding    `json:"teams"`
	Countries       []apiCountryStanding `json:"countries"`
}

func standingsOut(st scoreboard.Standings) apiStandings {
	out := apiStandings{
		Exercise: st.Exercise, View: st.View.String(), FrozenAt: apiNullTime(st.FrozenAt), CountryStanding: st.CountryStanding,
		Categories: scoreboard.Categories, Teams: []apiTeamStanding{}, Countries: []apiCountryStanding{},
	}
	for _, t := range st.Teams {
		out.Teams = append(out.Teams, apiTeamStanding{Rank: t.Rank, Team: apiTeam{ID: t.Team.ID, Name: t.Team.Name, Country: t.Team.Country}, Total: t.Total, Categories: t.Categories})
	}
	for _, c := range st.Countries {
		out.Countries = append(out.Countries, apiCountryStanding{Rank: c.Rank, Country: c.Country, Teams: c.Teams, Total: c.Total, Categories: c.Categories})
	}
	return out
}

// apiStandings is the public board for anyone; ?view=live, which does not
// stop at a freeze, is for staff.
func (pub *publicPages) apiStandings(c echo.Context) error {
	view := scoreboard.Public
	switch c.QueryParam("view") {
	case "", "public":
	case "live":
		u, err := requireStaff(c)
		if u == nil || err != nil {
			return err
		}
		view = scoreboard.Live
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	name := c.Param("name")
	if view == scoreboard.Live {
		st, err := pub.store.Standings(c.Request().Context(), name, view)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, standingsOut(st))
	}
	// The public board is the same for everyone: one copy per write.
	r, err := pub.publicStandings(c.Request().Context(), name)
	if err != nil {
		return err
	}
	return sendKept(c, r)
}
