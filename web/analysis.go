package web

// The program managers' workspace: score over time and breakdowns on the
// manager page, the after-action report of an exercise, the comparison
// across exercises, and the JSON API behind them. Staff only.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scoreboard"
)

const (
	tmplAfterAction = "report.html"
	tmplCompare     = "compare.html"
)

// chartScript is the file of Debian's libjs-chart.js the pages load.
const chartScript = "chart.min.js"

// afterActionPoints is about how many points the report's score-over-time chart
// and table have: a table of more does not read on paper.
const afterActionPoints = 24

// managerPages are the program managers' (and instructors') reading of
// exercises: the manager's page, the after-action report, the comparison
// of exercises, their exports and the API's statistics and series.
type managerPages struct {
	*base
	store managerStore
	// exportFile writes one of scoreboard.Export's files.
	exportFile func(ctx context.Context, exercise, what, format string, w io.Writer) error
	// chartDir is where Chart.js is installed.
	chartDir string
}

// managerStore is what managerPages read of the store.
type managerStore interface {
	exerciseReader
	Standings(ctx context.Context, exercise string, view scoreboard.View) (scoreboard.Standings, error)
	Statistics(ctx context.Context, exercise string) (scoreboard.Statistics, error)
	ScoreSeries(ctx context.Context, exercise string, view scoreboard.View, step time.Duration) ([]scoreboard.TeamSeries, error)
	AfterAction(ctx context.Context, exercise string, now time.Time, step time.Duration) (scoreboard.AfterAction, error)
	Compare(ctx context.Context) ([]scoreboard.Comparison, error)
}

// chartInstalled says whether /vendor/chart/ can serve Chart.js; the pages
// say what to install when it cannot.
func (m *managerPages) chartInstalled() bool {
	st, err := os.Stat(filepath.Join(m.chartDir, chartScript))
	return err == nil && !st.IsDir()
}

// chartLine is one line of a chart.
type chartLine struct {
	Label string       `json:"label"`
	Data  []chartValue `json:"data"`
}

// chartValue is a point of a chart; NaN, nothing to measure, is a gap
// (null), which JSON has no number for.
type chartValue float64

func (v chartValue) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(v), 'f', -1, 64)), nil
}

// chartData is what charts.js draws: labels on the x axis and one line or
// bar stack per series. The page prints the same figures as a table.
type chartData struct {
	Labels []string    `json:"labels"`
	Lines  []chartLine `json:"lines"`
	// Stacked draws bars stacked, one stack per label.
	Stacked bool `json:"stacked,omitempty"`
	// Kind is "line" or "bar".
	Kind string `json:"kind"`
}

// seriesTable is a score-over-time chart and its table: a row per time.
type seriesTable struct {
	Chart   chartData
	Columns []string
	Rows    []seriesRow
}

type seriesRow struct {
	At     string
	Values []string
}

// stepLabel formats the end of a step in the viewer's zone, with the date
// when the exercise spans days.
func stepLabel(p *page, at time.Time, days bool) string {
	if days {
		return at.In(p.loc).Format("01-02 15:04")
	}
	return at.In(p.loc).Format("15:04")
}

func spansDays(p *page, series []scoreboard.TeamSeries) bool {
	for _, ts := range series {
		if n := len(ts.Points); n > 0 {
			y1, m1, d1 := ts.Points[0].At.In(p.loc).Date()
			y2, m2, d2 := ts.Points[n-1].At.In(p.loc).Date()
			return y1 != y2 || m1 != m2 || d1 != d2
		}
	}
	return false
}

// teamSeriesTable lays teams' series out as a chart and a table, names in
// the order of names (team ids to display names).
func teamSeriesTable(p *page, series []scoreboard.TeamSeries, names map[string]string) seriesTable {
	t := seriesTable{Chart: chartData{Kind: "line", Labels: []string{}, Lines: []chartLine{}}}
	days := spansDays(p, series)
	for i, ts := range series {
		name := orName(names[ts.Team], ts.Team)
		t.Columns = append(t.Columns, name)
		line := chartLine{Label: name, Data: make([]chartValue, len(ts.Points))}
		for j, pt := range ts.Points {
			if i == 0 {
				label := stepLabel(p, pt.At, days)
				t.Chart.Labels = append(t.Chart.Labels, label)
				t.Rows = append(t.Rows, seriesRow{At: label})
			}
			line.Data[j] = chartValue(pt.Total)
			if j < len(t.Rows) {
				t.Rows[j].Values = append(t.Rows[j].Values, fmt.Sprint(pt.Total))
			}
		}
		t.Chart.Lines = append(t.Chart.Lines, line)
	}
	return t
}

func countrySeriesTable(p *page, series []scoreboard.CountrySeries, days bool) seriesTable {
	t := seriesTable{Chart: chartData{Kind: "line", Labels: []string{}, Lines: []chartLine{}}}
	for i, cs := range series {
		name := p.Country(cs.Country)
		t.Columns = append(t.Columns, name)
		line := chartLine{Label: name, Data: make([]chartValue, len(cs.Points))}
		for j, pt := range cs.Points {
			if i == 0 {
				label := stepLabel(p, pt.At, days)
				t.Chart.Labels = append(t.Chart.Labels, label)
				t.Rows = append(t.Rows, seriesRow{At: label})
			}
			line.Data[j] = chartValue(pt.Total)
			if j < len(t.Rows) {
				t.Rows[j].Values = append(t.Rows[j].Values, p.Num(pt.Total))
			}
		}
		t.Chart.Lines = append(t.Chart.Lines, line)
	}
	return t
}

// categoryChart is the breakdown by category as bars stacked per team; the
// standings table next to it holds the same figures.
func categoryChart(p *page, st scoreboard.Standings) chartData {
	c := chartData{Kind: "bar", Stacked: true, Labels: []string{}, Lines: []chartLine{}}
	for _, t := range st.Teams {
		c.Labels = append(c.Labels, t.Team.Name)
	}
	for _, cat := range scoreboard.Categories {
		line := chartLine{Label: p.Category(cat), Data: make([]chartValue, len(st.Teams))}
		for i, t := range st.Teams {
			line.Data[i] = chartValue(t.Categories[cat])
		}
		c.Lines = append(c.Lines, line)
	}
	return c
}

// thinPoints keeps about n of each series' points, always the last, so that the
// figures still end at the final standings.
func thinPoints[P any](points []P, n int) []P {
	if len(points) <= n {
		return points
	}
	every := int(math.Ceil(float64(len(points)) / float64(n)))
	var out []P
	for i := len(points) - 1; i >= 0; i -= every {
		out = append(out, points[i])
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func anTeamNames(st scoreboard.Standings) map[string]string {
	names := make(map[string]string, len(st.Teams))
	for _, t := range st.Teams {
		names[t.Team.ID] = t.Team.Name
	}
	return names
}

func anTeamsOf(st scoreboard.Standings) []scoreboard.Team {
	teams := make([]scoreboard.Team, len(st.Teams))
	for i, t := range st.Teams {
		teams[i] = t.Team
	}
	return teams
}

// managerExtras is what the manager page shows beyond the standings and
// statistics: whether they are final, score over time per team and per
// country, and the breakdown by category as a chart.
type managerExtras struct {
	Final          bool
	Running        bool
	ChartInstalled bool
	ChartScript    string
	Teams          seriesTable
	Countries      seriesTable
	Categories     chartData
	Injects        []scoreboard.InjectStatistics
}

func (m *managerPages) managerExtras(ctx context.Context, p *page, name string, clock scoreboard.Clock, st scoreboard.Standings, stats scoreboard.Statistics) (managerExtras, error) {
	series, err := m.store.ScoreSeries(ctx, name, scoreboard.Live, 0)
	if err != nil {
		return managerExtras{}, err
	}
	countries := scoreboard.CountrySeriesOf(series, anTeamsOf(st), st.CountryStanding)
	return managerExtras{
		Final: clock.State == scoreboard.ClockEnded, Running: clock.State == scoreboard.ClockRunning,
		ChartInstalled: m.chartInstalled(), ChartScript: "/vendor/chart/" + chartScript,
		Teams: teamSeriesTable(p, series, anTeamNames(st)), Countries: countrySeriesTable(p, countries, spansDays(p, series)),
		Categories: categoryChart(p, st), Injects: stats.Injects,
	}, nil
}

// afterActionView is the after-action report page.
type afterActionView struct {
	scoreboard.AfterAction
	Final          bool
	ChartInstalled bool
	ChartScript    string
	Generated      time.Time
	CountryNames   string
	Categories     []string
	// TeamNames are the teams' display names, by id.
	TeamNames     map[string]string
	TeamSeries    seriesTable
	CountrySeries seriesTable
	Breakdown     chartData
	// CountryList are the countries taking part, with their teams.
	CountryList []afterActionCountry
}

type afterActionCountry struct {
	Code  string
	Teams []scoreboard.Team
}

func (m *managerPages) afterActionPage(c echo.Context) error {
	ctx, name := c.Request().Context(), c.Param("exercise")
	now := m.now()
	aa, err := m.store.AfterAction(ctx, name, now, 0)
	if err != nil {
		return err
	}
	aa.Exercise.Title = orName(aa.Exercise.Title, aa.Exercise.Name)
	p := m.page(c, "aar.title")
	p.Title = aa.Exercise.Title + " · " + p.T("aar.title")
	series := make([]scoreboard.TeamSeries, len(aa.Series))
	for i, ts := range aa.Series {
		series[i] = scoreboard.TeamSeries{Team: ts.Team, Points: thinPoints(ts.Points, afterActionPoints)}
	}
	countries := make([]scoreboard.CountrySeries, len(aa.Countries))
	for i, cs := range aa.Countries {
		countries[i] = scoreboard.CountrySeries{Country: cs.Country, Points: thinPoints(cs.Points, afterActionPoints)}
	}
	v := afterActionView{
		AfterAction: aa, Final: aa.Clock.State == scoreboard.ClockEnded, ChartInstalled: m.chartInstalled(),
		ChartScript: "/vendor/chart/" + chartScript, Generated: now, CountryNames: countryNames(p, aa.Standings),
		Categories: scoreboard.Categories, TeamNames: anTeamNames(aa.Standings),
		TeamSeries:    teamSeriesTable(p, series, anTeamNames(aa.Standings)),
		CountrySeries: countrySeriesTable(p, countries, spansDays(p, series)),
		Breakdown:     categoryChart(p, aa.Standings),
	}
	byCountry := map[string]int{}
	for _, t := range aa.Teams {
		i, ok := byCountry[t.Country]
		if !ok {
			i = len(v.CountryList)
			byCountry[t.Country] = i
			v.CountryList = append(v.CountryList, afterActionCountry{Code: t.Country})
		}
		v.CountryList[i].Teams = append(v.CountryList[i].Teams, t)
	}
	p.Data = v
	return m.render(c, http.StatusOK, tmplAfterAction, p)
}

// Team names a team of the report by its id.
func (v afterActionView) Team(id string) string { return orName(v.TeamNames[id], id) }

// compareView is the comparison across exercises.
type compareView struct {
	Exercises      []compareRow
	ChartInstalled bool
	ChartScript    string
	// Chart holds one chart per metric; the page's select picks one.
	Chart   compareChart
	Metrics []string
	Files   []download
}

// compareRow is an exercise of the comparison with its points in all.
type compareRow struct {
	scoreboard.Comparison
	Total int
}

type compareChart struct {
	Labels  []string                `json:"labels"`
	Metrics map[string]compareLines `json:"metrics"`
}

type compareLines struct {
	Label string      `json:"label"`
	Unit  string      `json:"unit"`
	Lines []chartLine `json:"lines"`
}

// compareMetrics are the figures the comparison chart can show per
// country, in the select's order.
var compareMetrics = []string{"total", "availability", "blocked", "detected", "ttd", "ttr", "answered"}

var compareFiles = []download{
	{"comparison.csv", "compare.file", "CSV"}, {"comparison.json", "compare.file", "JSON"},
}

// countryMetric is one of compareMetrics for a country; NaN when there is
// nothing to measure, which the chart leaves as a gap.
func countryMetric(metric string, total float64, s scoreboard.Summary) float64 {
	ratio := func(n, of int) float64 {
		if of == 0 {
			return math.NaN()
		}
		return math.Round(1000*float64(n)/float64(of)) / 10
	}
	minutes := func(d scoreboard.Durations) float64 {
		if d.Count == 0 {
			return math.NaN()
		}
		return math.Round(d.Median.Minutes()*10) / 10
	}
	switch metric {
	case "total":
		return total
	case "availability":
		if s.Checks == 0 {
			return math.NaN()
		}
		return s.Availability
	case "blocked":
		return ratio(s.Blocked, s.Blocked+s.Succeeded)
	case "detected":
		return ratio(s.Detected, s.Blocked+s.Succeeded)
	case "ttd":
		return minutes(s.TimeToDetect)
	case "ttr":
		return minutes(s.TimeToRespond)
	case "answered":
		return ratio(s.Answered, s.Injects)
	}
	return math.NaN()
}

func compareChartOf(p *page, cs []scoreboard.Comparison) compareChart {
	ch := compareChart{Labels: []string{}, Metrics: map[string]compareLines{}}
	var countries []string
	seen := map[string]bool{}
	for _, c := range cs {
		ch.Labels = append(ch.Labels, orName(c.Exercise.Title, c.Exercise.Name))
		for _, st := range c.Statistics.Countries {
			if !seen[st.Country] {
				seen[st.Country] = true
				countries = append(countries, st.Country)
			}
		}
	}
	for _, m := range compareMetrics {
		cl := compareLines{Label: p.T("compare.metric." + m), Unit: p.T("compare.unit." + m), Lines: []chartLine{}}
		for _, country := range countries {
			line := chartLine{Label: p.Country(country), Data: make([]chartValue, len(cs))}
			for i, c := range cs {
				line.Data[i] = chartValue(math.NaN())
				total := 0.0
				for _, b := range c.Standings.Countries {
					if b.Country == country {
						total = b.Total
					}
				}
				for _, st := range c.Statistics.Countries {
					if st.Country == country {
						line.Data[i] = chartValue(countryMetric(m, total, st.Summary))
					}
				}
			}
			cl.Lines = append(cl.Lines, line)
		}
		ch.Metrics[m] = cl
	}
	return ch
}

func (m *managerPages) comparePage(c echo.Context) error {
	cs, err := m.store.Compare(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].Exercise.Title = orName(cs[i].Exercise.Title, cs[i].Exercise.Name)
	}
	rows := make([]compareRow, len(cs))
	for i, x := range cs {
		rows[i].Comparison = x
		for _, t := range x.Standings.Teams {
			rows[i].Total += t.Total
		}
	}
	p := m.page(c, "compare.title")
	p.Data = compareView{
		Exercises: rows, ChartInstalled: m.chartInstalled(), ChartScript: "/vendor/chart/" + chartScript,
		Chart: compareChartOf(p, cs), Metrics: compareMetrics, Files: compareFiles,
	}
	return m.render(c, http.StatusOK, tmplCompare, p)
}

// compareExport downloads the comparison as CSV or JSON.
func (m *managerPages) compareExport(c echo.Context) error {
	u := userOf(c)
	file := c.Param("file")
	var write func(*bytes.Buffer, []scoreboard.Comparison) error
	contentType := echo.MIMEApplicationJSONCharsetUTF8
	switch file {
	case "comparison.csv":
		write = func(b *bytes.Buffer, cs []scoreboard.Comparison) error { return scoreboard.WriteComparisonCSV(b, cs) }
		contentType = "text/csv; charset=utf-8"
	case "comparison.json":
		write = func(b *bytes.Buffer, cs []scoreboard.Comparison) error { return scoreboard.WriteComparisonJSON(b, cs) }
	default:
		return errNotFound
	}
	cs, err := m.store.Compare(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, cs); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "cordillera-"+file))
	h.Set("Cache-Control", "no-store")
	m.log.Info("export", "user", u.Name, "file", file)
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

type download struct{ File, Label, Format string }

var downloads = []download{
	{"standings.csv", "export.standings", "CSV"}, {"standings.json", "export.standings", "JSON"},
	{"ledger.csv", "export.ledger", "CSV"}, {"ledger.json", "export.ledger", "JSON"},
	{"statistics.csv", "export.statistics", "CSV"}, {"statistics.json", "export.statistics", "JSON"},
	{"stix.json", "export.stix", "STIX JSON"},
}

type managerView struct {
	Exercise     scoreboard.Exercise
	Clock        scoreboard.Clock
	Elapsed      time.Duration
	Standings    scoreboard.Standings
	Categories   []string
	CountryNames string
	Statistics   scoreboard.Statistics
	Downloads    []download
	// Extras are the analysis workspace's charts (analysis.go).
	Extras managerExtras
}

func (m *managerPages) managerPage(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("exercise")
	ex, clock, elapsed, err := exerciseHead(ctx, m.store, m.now(), name)
	if err != nil {
		return err
	}
	st, err := m.store.Standings(ctx, name, scoreboard.Live)
	if err != nil {
		return err
	}
	stats, err := m.store.Statistics(ctx, name)
	if err != nil {
		return err
	}
	p := m.page(c, "manager.title")
	p.Title = ex.Title + " · " + p.T("manager.title")
	extras, err := m.managerExtras(ctx, p, name, clock, st, stats)
	if err != nil {
		return err
	}
	p.Data = managerView{
		Exercise: ex, Clock: clock, Elapsed: elapsed, Standings: st, Categories: scoreboard.Categories,
		CountryNames: countryNames(p, st), Statistics: stats, Downloads: downloads, Extras: extras,
	}
	return m.render(c, http.StatusOK, tmplManager, p)
}

// export streams one of scoreboard.Export's files as a download.
func (m *managerPages) export(c echo.Context) error {
	u := userOf(c)
	name, file := c.Param("exercise"), c.Param("file")
	known := false
	for _, d := range downloads {
		known = known || d.File == file
	}
	if !known {
		return errNotFound
	}
	what, format, _ := strings.Cut(file, ".")
	ctx := c.Request().Context()
	if _, err := m.store.Exercise(ctx, name); err != nil {
		return err
	}
	contentType := echo.MIMEApplicationJSONCharsetUTF8
	if format == "csv" {
		contentType = "text/csv; charset=utf-8"
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"-"+file))
	h.Set("Cache-Control", "no-store")
	m.log.Info("export", "user", u.Name, "exercise", name, "file", file)
	// Exports are read in one go from the store: an error before the first
	// byte still gets a clean error page.
	var buf bytes.Buffer
	if err := m.exportFile(ctx, name, what, format, &buf); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}
