package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

type exerciseCard struct {
	Name, Title, Scenario string
	State, Clock          string
	Teams                 int
	Started               time.Time
	// MyTeam is the viewer's team in this exercise, if any.
	MyTeam string
}

// publicPages are what everyone may read: the home page, the public
// scoreboard, its live stream and the API's exercises and standings, and
// joining a team with its code.
type publicPages struct {
	*base
	store    publicStore
	accounts joinAccounts
	hubs     *hubs
	replies  *replies
	// closing ends the live streams; heartbeat is how often an idle one
	// says it is alive.
	closing   <-chan struct{}
	heartbeat time.Duration
}

// publicStore is what publicPages read of the store.
type publicStore interface {
	Exercises(ctx context.Context) ([]scoreboard.Exercise, error)
	Exercise(ctx context.Context, name string) (scoreboard.Exercise, error)
	Clock(ctx context.Context, exercise string) (scoreboard.Clock, error)
	Standings(ctx context.Context, exercise string, view scoreboard.View) (scoreboard.Standings, error)
	Teams(ctx context.Context, exercise string) ([]scoreboard.Team, error)
	TeamByJoinCode(ctx context.Context, code string) (scoreboard.Team, error)
	LastEventsFor(ctx context.Context, exercise string, r scoreboard.EventReader, team string, n int) ([]scoreboard.Event, error)
	// What the live stream watches.
	Changed() (uint64, <-chan struct{})
	Version() uint64
	Events(ctx context.Context, exercise string, after int64, limit int) ([]scoreboard.Event, error)
	LastEvents(ctx context.Context, exercise string, n int) ([]scoreboard.Event, error)
}

// joinAccounts are the accounts publicPages change: a trainee joining a
// team, a stream reading its user again.
type joinAccounts interface {
	JoinTeam(ctx context.Context, name, exercise, team string) error
	UserByName(ctx context.Context, name string) (scoreboard.User, error)
}

type homeView struct{ Exercises []exerciseCard }

func (pub *publicPages) home(c echo.Context) error {
	ctx := c.Request().Context()
	exs, err := pub.store.Exercises(ctx)
	if err != nil {
		return err
	}
	v := viewerOf(c)
	var view homeView
	for _, ex := range exs {
		clock, err := pub.store.Clock(ctx, ex.Name)
		if err != nil {
			return err
		}
		teams, err := pub.store.Teams(ctx, ex.Name)
		if err != nil {
			return err
		}
		card := exerciseCard{
			Name: ex.Name, Title: orName(ex.Title, ex.Name), Scenario: ex.Scenario, State: clock.State,
			Clock: scenarios.Clock(clock.Elapsed(pub.now())), Teams: len(teams), Started: ex.StartedAt,
		}
		if v.user != nil && v.user.Exercise == ex.Name {
			card.MyTeam = v.user.Team
		}
		view.Exercises = append(view.Exercises, card)
	}
	p := pub.page(c, "home.title")
	p.Data = view
	return pub.render(c, http.StatusOK, tmplHome, p)
}

func orName(title, name string) string {
	if title == "" {
		return name
	}
	return title
}

type joinView struct {
	Code, Error string
	// Locked says the trainee, already in a team, was refused another.
	Locked bool
}

func (pub *publicPages) joinPage(c echo.Context) error {
	u := userOf(c)
	if u.Role != scoreboard.RoleTrainee {
		return errForbidden
	}
	p := pub.page(c, "join.title")
	p.Data = joinView{}
	return pub.render(c, http.StatusOK, tmplJoin, p)
}

func (pub *publicPages) join(c echo.Context) error {
	u := userOf(c)
	if u.Role != scoreboard.RoleTrainee {
		return errForbidden
	}
	ctx := c.Request().Context()
	code := strings.TrimSpace(c.FormValue("code"))
	t, err := pub.store.TeamByJoinCode(ctx, code)
	if errors.Is(err, scoreboard.ErrNotFound) || code == "" {
		pub.log.Info("join code refused", "user", u.Name, "ip", c.RealIP())
		p := pub.page(c, "join.title")
		p.Data = joinView{Code: code, Error: "join.unknown"}
		return pub.render(c, http.StatusUnprocessableEntity, tmplJoin, p)
	}
	if err != nil {
		return err
	}
	// Once in a team, a trainee stays: moving them is an instructor's act
	// (the move action), which the store keeps.
	err = pub.accounts.JoinTeam(ctx, u.Name, t.Exercise, t.ID)
	if errors.Is(err, scoreboard.ErrInTeam) {
		pub.log.Info("join refused: already in a team", "user", u.Name, "exercise", u.Exercise, "team", u.Team, "asked", t.ID)
		p := pub.page(c, "join.title")
		p.Data = joinView{Locked: true}
		return pub.render(c, http.StatusConflict, tmplJoin, p)
	}
	if err != nil {
		return err
	}
	pub.log.Info("joined a team", "user", u.Name, "exercise", t.Exercise, "team", t.ID)
	return c.Redirect(http.StatusSeeOther, teamPath(t.Exercise, t.ID))
}

func teamPath(exercise, team string) string { return "/team/" + exercise + "/" + team }

type scoreboardView struct {
	Exercise     scoreboard.Exercise
	Clock        scoreboard.Clock
	Elapsed      time.Duration
	ElapsedMS    int64
	Running      bool
	Standings    scoreboard.Standings
	Categories   []string
	CountryNames string
	Events       []scoreboard.Event
}

// exerciseHead reads what every exercise page shows on top.
func exerciseHead(ctx context.Context, st exerciseReader, now time.Time, name string) (scoreboard.Exercise, scoreboard.Clock, time.Duration, error) {
	ex, err := st.Exercise(ctx, name)
	if err != nil {
		return ex, scoreboard.Clock{}, 0, err
	}
	ex.Title = orName(ex.Title, ex.Name)
	clock, err := st.Clock(ctx, name)
	if err != nil {
		return ex, clock, 0, err
	}
	return ex, clock, clock.Elapsed(now), nil
}

// exerciseReader reads what exerciseHead shows.
type exerciseReader interface {
	Exercise(ctx context.Context, name string) (scoreboard.Exercise, error)
	Clock(ctx context.Context, exercise string) (scoreboard.Clock, error)
}

// scoreboardPage is the public board. A visitor's is one copy per
// language and zone, made again after each write (and each second while
// the clock runs, for the time it shows); a signed-in user's page carries
// their name and token, and is made for them.
func (pub *publicPages) scoreboardPage(c echo.Context) error {
	name := c.Param("exercise")
	v := viewerOf(c)
	if v.user != nil {
		p := pub.page(c, "home.scoreboard")
		if err := pub.scoreboardView(c.Request().Context(), p, name); err != nil {
			return err
		}
		return pub.render(c, http.StatusOK, tmplScoreboard, p)
	}
	key := "scoreboard\x00" + name + "\x00" + v.lang + "\x00" + v.loc.String()
	r, err := pub.replies.current(key, func() (made, error) {
		p := &page{Lang: v.lang, loc: v.loc, Path: c.Request().URL.Path}
		if err := pub.scoreboardView(c.Request().Context(), p, name); err != nil {
			return made{}, err
		}
		body, err := pub.renderBytes(tmplScoreboard, p)
		m := made{body: body, ctype: echo.MIMETextHTMLCharsetUTF8, lang: p.Lang}
		if p.Data.(scoreboardView).Running {
			m.ttl = time.Second
		}
		return m, err
	})
	if err != nil {
		return err
	}
	return sendKept(c, r)
}

// scoreboardView fills the page with the exercise's public board.
func (pub *publicPages) scoreboardView(ctx context.Context, p *page, name string) error {
	ex, clock, elapsed, err := exerciseHead(ctx, pub.store, pub.now(), name)
	if err != nil {
		return err
	}
	st, err := pub.store.Standings(ctx, name, scoreboard.Public)
	if err != nil {
		return err
	}
	events, err := visibleEvents(ctx, pub.store, p.User, name, "", 20)
	if err != nil {
		return err
	}
	p.Title = ex.Title
	p.Data = scoreboardView{
		Exercise: ex, Clock: clock, Elapsed: elapsed, ElapsedMS: elapsed.Milliseconds(), Running: clock.State == scoreboard.ClockRunning,
		Standings: st, Categories: scoreboard.Categories, CountryNames: countryNames(p, st), Events: newestFirst(events),
	}
	return nil
}

// visibleEvents returns up to n of the latest events u may see, oldest
// first; only team's when team is set.
func visibleEvents(ctx context.Context, st eventReader, u *scoreboard.User, exercise, team string, n int) ([]scoreboard.Event, error) {
	r := scoreboard.EventReader{}
	switch {
	case u == nil:
	case isStaff(u):
		r.Staff = true
	case u.Exercise == exercise:
		r.Team = u.Team
	}
	return st.LastEventsFor(ctx, exercise, r, team, n)
}

// eventReader reads the events visibleEvents shows.
type eventReader interface {
	LastEventsFor(ctx context.Context, exercise string, r scoreboard.EventReader, team string, n int) ([]scoreboard.Event, error)
}

// eventVisible says who sees an event, by the audience its writer gave
// it: everyone a public one, a trainee also their own team's, staff all of
// them. Another team's events would tell a team what the attacker is doing
// next door, and staff's what to look for.
func eventVisible(u *scoreboard.User, exercise string, ev scoreboard.Event) bool {
	switch {
	case ev.Audience == scoreboard.AudiencePublic:
		return true
	case u == nil:
		return false
	case isStaff(u):
		return true
	case ev.Audience == scoreboard.AudienceTeam:
		return u.Exercise == exercise && u.Team == ev.Team
	default:
		return false
	}
}

func newestFirst(evs []scoreboard.Event) []scoreboard.Event {
	out := make([]scoreboard.Event, len(evs))
	for i, ev := range evs {
		out[len(evs)-1-i] = ev
	}
	return out
}

// viewFor is the board a user reads: staff everything, others the public
// board, which stops at a freeze.
func viewFor(u *scoreboard.User) scoreboard.View {
	if u != nil && isStaff(u) {
		return scoreboard.Live
	}
	return scoreboard.Public
}
