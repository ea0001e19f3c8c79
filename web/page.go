package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// Template names: one file per page, each rendered inside layout.html.
const (
	tmplHome       = "home.html"
	tmplLogin      = "login.html"
	tmplJoin       = "join.html"
	tmplScoreboard = "scoreboard.html"
	tmplTeam       = "team.html"
	tmplManager    = "manager.html"
	tmplAccount    = "account.html"
	tmplError      = "error.html"
)

// pageTemplates are every page, each with the partials it uses besides
// layout.html and partials.html: one list, parsed once, at start.
var pageTemplates = []struct {
	name     string
	partials []string
}{
	{tmplHome, nil}, {tmplLogin, nil}, {tmplJoin, nil}, {tmplScoreboard, nil}, {tmplTeam, nil},
	{tmplAccount, nil}, {tmplError, nil}, {tmplTerminal, nil},
	{tmplManager, analysisPartials}, {tmplAfterAction, analysisPartials}, {tmplCompare, analysisPartials},
	{tmplInstructHome, nil}, {tmplInstructScenarios, nil}, {tmplInstructScenario, nil}, {tmplInstructNew, nil}, {tmplInstructExercise, nil},
}

// analysisPartials are the partials of the managers' analysis pages.
var analysisPartials = []string{"analysis-partials.html"}

// templateNames are the files of every page and partial.
func templateNames() []string {
	names := []string{"layout.html", "partials.html"}
	for _, pt := range pageTemplates {
		for _, p := range append(pt.partials, pt.name) {
			if !slices.Contains(names, p) {
				names = append(names, p)
			}
		}
	}
	return names
}

var templateFuncs = template.FuncMap{
	// map builds the argument of a sub-template: map "K" v "K2" v2.
	"map": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("map needs key/value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// parsePages parses every page once, at start.
func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageTemplates))
	for _, pt := range pageTemplates {
		files := []string{"templates/layout.html", "templates/partials.html"}
		for _, p := range pt.partials {
			files = append(files, "templates/"+p)
		}
		t, err := template.New(pt.name).Funcs(templateFuncs).ParseFS(templateFiles, append(files, "templates/"+pt.name)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", pt.name, err)
		}
		pages[pt.name] = t
	}
	return pages, nil
}

// base is what every audience's handlers share: the log, the wall clock,
// the parsed templates they render pages with and whether cookies are
// Secure.
type base struct {
	log    *slog.Logger
	now    func() time.Time
	pages  map[string]*template.Template
	secure bool
}

// page is what every template gets: who is looking, in which language and
// zone, and the page's own view model in Data.
type page struct {
	Lang  string
	Title string
	User  *scoreboard.User
	CSRF  string
	// Path is the page's path, where the language switch comes back to.
	Path string
	Data any

	loc *time.Location
}

// T translates a catalog key.
func (p *page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Time shows a wall time in the viewer's zone.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return p.T("never")
	}
	return t.In(p.loc).Format("2006-01-02 15:04:05 MST")
}

// Clock shows an exercise time as HH:MM:SS.
func (p *page) Clock(d time.Duration) string { return scenarios.Clock(d) }

// Zone names the viewer's time zone.
func (p *page) Zone() string { return p.loc.String() }

func (p *page) Category(c string) string { return p.T("category." + c) }

// Country names a country in the viewer's language; the code when the
// catalog does not know it.
func (p *page) Country(code string) string {
	if name, ok := catalogs[p.Lang]["country."+code]; ok {
		return name
	}
	return code
}

// Num shows a country's points: whole when whole, else two decimals with
// the language's decimal mark.
func (p *page) Num(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	s := fmt.Sprintf("%.2f", f)
	if p.Lang == "es" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (p *page) Staff() bool { return p.User != nil && isStaff(p.User) }

func (p *page) Trainee() bool { return p.User != nil && p.User.Role == scoreboard.RoleTrainee }

// page starts the view model of a request.
func (b *base) page(c echo.Context, titleKey string) *page {
	v := viewerOf(c)
	p := &page{Lang: v.lang, User: v.user, loc: v.loc, Path: c.Request().URL.Path}
	p.Title = p.T(titleKey)
	p.CSRF = b.csrfToken(c)
	return p
}

// render writes a page; it renders to a buffer first, so that a template
// error becomes a clean 500, not half a page.
func (b *base) render(c echo.Context, status int, name string, p *page) error {
	body, err := b.renderBytes(name, p)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Language", p.Lang)
	return c.HTMLBlob(status, body)
}

// renderBytes renders a page inside the layout.
func (b *base) renderBytes(name string, p *page) ([]byte, error) {
	t, ok := b.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// countryNames is the JSON the live scoreboard names countries with.
func countryNames(p *page, st scoreboard.Standings) string {
	names := map[string]string{}
	for _, c := range st.Countries {
		names[c.Country] = p.Country(c.Country)
	}
	b, _ := json.Marshal(names)
	return string(b)
}

// cacheFor lets browsers keep static files a while.
func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}
