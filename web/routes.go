package web

import (
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// routes registers every route of the server, pages and API, in this one
// place: who may use each is in web/security_test.go's routeAccess.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Rate limits key on the address: only the connection's is trusted,
	// never a header the client writes.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(s.recover, s.securityHeaders, s.identify, s.checkCSRF, s.limitSubmissions)

	static, _ := fs.Sub(staticFiles, "static")
	e.GET("/static/*", echo.WrapHandler(cacheFor(5*time.Minute, http.StripPrefix("/static/", http.FileServer(http.FS(noDirs{static}))))))
	s.vendor(e)

	// Everyone: the public pages, signing in, the live stream.
	e.GET("/", s.home)
	e.GET("/login", s.loginPage)
	e.POST("/login", s.signIn)
	e.POST("/logout", s.signOut)
	e.POST("/lang", s.setLanguage)
	e.GET("/lang", s.setVisitorLanguage)
	e.GET("/account", s.account)
	e.POST("/account/tokens", s.createToken)
	e.POST("/account/tokens/revoke", s.revokeToken)
	e.GET("/join", s.joinPage)
	e.POST("/join", s.join)
	e.GET("/scoreboard/:exercise", s.scoreboardPage)
	e.GET("/events/:exercise", s.events)

	// Trainees: their team's page, its forms, its terminals.
	e.GET("/team", s.ownTeam)
	e.GET("/team/:exercise/:team", s.teamPage)
	e.POST("/team/:exercise/:team/injects/:inject", s.respondForm)
	e.POST("/team/:exercise/:team/reports", s.reportForm)
	e.POST("/team/:exercise/:team/indicators", s.shareForm)
	e.POST("/team/:exercise/:team/challenges/:challenge", s.answerForm)
	e.POST("/team/:exercise/:team/challenges/:challenge/hints", s.hintForm)
	terms := s.newTerminals()
	e.GET("/terminal/:exercise/:team/:host", terms.page)
	e.GET("/terminal/:exercise/:team/:host/ws", terms.connect)

	// Program managers. Static segments win over :exercise in Echo's
	// router, so "compare" is not read as an exercise's name.
	e.GET("/manager/compare", s.comparePage)
	e.GET("/manager/compare/export/:file", s.compareExport)
	e.GET("/manager/:exercise", s.managerPage)
	e.GET("/manager/:exercise/report", s.afterActionPage)
	e.GET("/manager/:exercise/export/:file", s.export)

	// Instructors.
	e.GET("/instruct", s.instructHome)
	e.GET("/instruct/scenarios", s.instructScenarios)
	e.GET("/instruct/scenarios/new", s.instructScenarioNew)
	e.POST("/instruct/scenarios/new", s.instructScenarioPost)
	e.GET("/instruct/scenarios/:name/edit", s.instructScenarioEdit)
	e.POST("/instruct/scenarios/:name/edit", s.instructScenarioPost)
	e.GET("/instruct/new", s.instructNewPage)
	e.POST("/instruct/new", s.instructCreate)
	e.GET("/instruct/:exercise", s.instructExercise)
	e.POST("/instruct/:exercise/:action", s.instructAction)

	api := e.Group("/api/v1")
	api.GET("/exercises", s.apiExercises)
	api.GET("/exercises/:name/standings", s.apiStandings)
	api.GET("/exercises/:name/teams/:team/breakdown", s.apiBreakdown)
	api.GET("/exercises/:name/statistics", s.apiStatistics)
	api.GET("/exercises/:name/series", s.apiSeries)
	api.GET("/exercises/:name/report", s.apiAfterAction)
	api.GET("/compare", s.apiCompare)

	team := api.Group("/exercises/:name/teams/:team")
	team.GET("/hosts", s.apiTeamHosts)
	team.GET("/injects", s.apiTeamInjects)
	team.POST("/injects", s.apiTeamRespond)
	team.GET("/reports", s.apiTeamReports)
	team.POST("/reports", s.apiTeamReport)
	team.GET("/indicators", s.apiTeamIndicators)
	team.POST("/indicators", s.apiTeamShare)
	team.GET("/challenges", s.apiTeamChallenges)
	team.POST("/challenges", s.apiTeamAnswer)
	team.POST("/challenges/:challenge/hints", s.apiTeamHint)

	in := api.Group("/instruct")
	in.GET("/scenarios", s.apiInstructScenarios)
	in.POST("/scenarios", s.apiInstructSaveScenario)
	in.GET("/scenarios/:name", s.apiInstructScenario)
	in.GET("/exercises", s.apiInstructExercises)
	in.POST("/exercises", s.apiInstructCreate)
	in.GET("/exercises/:name", s.apiInstructExercise)
	in.GET("/exercises/:name/operation", s.apiInstructOperation)
	in.GET("/exercises/:name/grid", s.apiInstructGrid)
	in.GET("/exercises/:name/timeline", s.apiInstructTimeline)
	in.GET("/exercises/:name/queue", s.apiInstructQueue)
	in.GET("/exercises/:name/trainees", s.apiInstructTrainees)
	in.POST("/exercises/:name/:action", s.apiInstructAction)

	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })
	return e
}
