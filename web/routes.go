package web

import (
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// routes registers every route of the server, pages and API, in this one
// place: who may use each is in web/security_test.go's routeAccess. A
// route for some users only has its middleware here (signedIn, staff,
// instructors), which lets them in before the handler runs; the handler
// reads who they are with userOf.
func (s *Server) routes() *echo.Echo {
	signedIn, staff, instructors := only(requireUser), only(requireStaff), only(requireInstructor)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Rate limits key on the address: only the connection's is trusted,
	// never a header the client writes.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(s.recover, s.securityHeaders, s.h.accounts.identify, s.h.accounts.checkCSRF, s.h.accounts.limitSubmissions)

	static, _ := fs.Sub(staticFiles, "static")
	e.GET("/static/*", echo.WrapHandler(cacheFor(5*time.Minute, http.StripPrefix("/static/", http.FileServer(http.FS(noDirs{static}))))))
	s.vendor(e)

	s.pageRoutes(e, signedIn, staff, instructors)
	api := e.Group("/api/v1")
	s.apiRoutes(api, signedIn, staff, instructors)
	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })
	return e
}

// only runs the handler for the users require lets in: it sends visitors to
// sign in (a page) or says they must (the API, a form), and refuses the
// others.
func only(require func(echo.Context) (*scoreboard.User, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u, err := require(c); u == nil || err != nil {
				return err
			}
			return next(c)
		}
	}
}

// userOf is the signed-in user of a request that only let in.
func userOf(c echo.Context) *scoreboard.User { return viewerOf(c).user }

// pageRoutes are the pages and their forms, by audience.
func (s *Server) pageRoutes(e *echo.Echo, signedIn, staff, instructors echo.MiddlewareFunc) {
	// Everyone: the public pages, signing in, the live stream.
	e.GET("/", s.h.public.home)
	e.GET("/login", s.h.accounts.loginPage)
	e.POST("/login", s.h.accounts.signIn)
	e.POST("/logout", s.h.accounts.signOut)
	e.POST("/lang", s.h.accounts.setLanguage)
	e.GET("/lang", s.h.accounts.setVisitorLanguage)
	e.GET("/account", s.h.accounts.account, signedIn)
	e.POST("/account/tokens", s.h.accounts.createToken, signedIn)
	e.POST("/account/tokens/revoke", s.h.accounts.revokeToken, signedIn)
	e.GET("/join", s.h.public.joinPage, signedIn)
	e.POST("/join", s.h.public.join, signedIn)
	e.GET("/scoreboard/:exercise", s.h.public.scoreboardPage)
	e.GET("/events/:exercise", s.h.public.events)

	// Trainees: their team's page, its forms, its terminals.
	e.GET("/team", s.h.trainee.ownTeam, signedIn)
	e.GET("/team/:exercise/:team", s.h.trainee.teamPage, signedIn)
	e.POST("/team/:exercise/:team/injects/:inject", s.h.trainee.respondForm, signedIn)
	e.POST("/team/:exercise/:team/reports", s.h.trainee.reportForm, signedIn)
	e.POST("/team/:exercise/:team/indicators", s.h.trainee.shareForm, signedIn)
	e.POST("/team/:exercise/:team/challenges/:challenge", s.h.trainee.answerForm, signedIn)
	e.POST("/team/:exercise/:team/challenges/:challenge/hints", s.h.trainee.hintForm, signedIn)
	terms := s.h.terminals
	e.GET("/terminal/:exercise/:team/:host", terms.page, signedIn)
	e.GET("/terminal/:exercise/:team/:host/ws", terms.connect)

	// Program managers. Static segments win over :exercise in Echo's
	// router, so "compare" is not read as an exercise's name.
	e.GET("/manager/compare", s.h.manager.comparePage, staff)
	e.GET("/manager/compare/export/:file", s.h.manager.compareExport, staff)
	e.GET("/manager/:exercise", s.h.manager.managerPage, staff)
	e.GET("/manager/:exercise/report", s.h.manager.afterActionPage, staff)
	e.GET("/manager/:exercise/export/:file", s.h.manager.export, staff)

	// Instructors.
	e.GET("/instruct", s.h.instruct.instructHome, instructors)
	e.GET("/instruct/scenarios", s.h.instruct.instructScenarios, instructors)
	e.GET("/instruct/scenarios/new", s.h.instruct.instructScenarioNew, instructors)
	e.POST("/instruct/scenarios/new", s.h.instruct.instructScenarioPost, instructors)
	e.GET("/instruct/scenarios/:name/edit", s.h.instruct.instructScenarioEdit, instructors)
	e.POST("/instruct/scenarios/:name/edit", s.h.instruct.instructScenarioPost, instructors)
	e.GET("/instruct/new", s.h.instruct.instructNewPage, instructors)
	e.POST("/instruct/new", s.h.instruct.instructCreate, instructors)
	e.GET("/instruct/:exercise", s.h.instruct.instructExercise, instructors)
	e.POST("/instruct/:exercise/:action", s.h.instruct.instructAction, instructors)
}

// apiRoutes are the JSON API's, under /api/v1.
func (s *Server) apiRoutes(api *echo.Group, signedIn, staff, instructors echo.MiddlewareFunc) {
	api.GET("/exercises", s.h.public.apiExercises)
	api.GET("/exercises/:name/standings", s.h.public.apiStandings)
	api.GET("/exercises/:name/teams/:team/breakdown", s.h.trainee.apiBreakdown, signedIn)
	api.GET("/exercises/:name/statistics", s.h.manager.apiStatistics, staff)
	api.GET("/exercises/:name/series", s.h.manager.apiSeries, staff)
	api.GET("/exercises/:name/report", s.h.manager.apiAfterAction, staff)
	api.GET("/compare", s.h.manager.apiCompare, staff)

	team := api.Group("/exercises/:name/teams/:team")
	team.GET("/hosts", s.h.trainee.apiTeamHosts, signedIn)
	team.GET("/injects", s.h.trainee.apiTeamInjects, signedIn)
	team.POST("/injects", s.h.trainee.apiTeamRespond, signedIn)
	team.GET("/reports", s.h.trainee.apiTeamReports, signedIn)
	team.POST("/reports", s.h.trainee.apiTeamReport, signedIn)
	team.GET("/indicators", s.h.trainee.apiTeamIndicators, signedIn)
	team.POST("/indicators", s.h.trainee.apiTeamShare, signedIn)
	team.GET("/challenges", s.h.trainee.apiTeamChallenges, signedIn)
	team.POST("/challenges", s.h.trainee.apiTeamAnswer, signedIn)
	team.POST("/challenges/:challenge/hints", s.h.trainee.apiTeamHint, signedIn)

	in := api.Group("/instruct")
	in.GET("/scenarios", s.h.instruct.apiInstructScenarios, instructors)
	in.POST("/scenarios", s.h.instruct.apiInstructSaveScenario, instructors)
	in.GET("/scenarios/:name", s.h.instruct.apiInstructScenario, instructors)
	in.GET("/exercises", s.h.instruct.apiInstructExercises, instructors)
	in.POST("/exercises", s.h.instruct.apiInstructCreate, instructors)
	in.GET("/exercises/:name", s.h.instruct.apiInstructExercise, instructors)
	in.GET("/exercises/:name/operation", s.h.instruct.apiInstructOperation, instructors)
	in.GET("/exercises/:name/grid", s.h.instruct.apiInstructGrid, instructors)
	in.GET("/exercises/:name/timeline", s.h.instruct.apiInstructTimeline, instructors)
	in.GET("/exercises/:name/queue", s.h.instruct.apiInstructQueue, instructors)
	in.GET("/exercises/:name/trainees", s.h.instruct.apiInstructTrainees, instructors)
	in.POST("/exercises/:name/:action", s.h.instruct.apiInstructAction, instructors)
}
