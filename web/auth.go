package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/cordillera-range/cordillera/scoreboard"
)

const (
	sessionCookie = "cordillera_session"
	// csrfCookie carries the anonymous visitor's CSRF token, for the
	// sign-in and language forms; a signed-in user's token comes from the
	// session instead.
	csrfCookie = "cordillera_csrf"
	langCookie = "lang"
	tzCookie   = "tz"
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	viewerKey  = "viewer"
)

// viewer is who makes a request, and how they read.
type viewer struct {
	user *scoreboard.User // nil for a visitor
	// session is the session's token, empty for visitors and API tokens.
	session string
	bearer  bool
	lang    string
	loc     *time.Location
}

func viewerOf(c echo.Context) *viewer {
	if v, ok := c.Get(viewerKey).(*viewer); ok {
		return v
	}
	return &viewer{lang: languages[0], loc: time.UTC}
}

func isStaff(u *scoreboard.User) bool {
	return u.Role == scoreboard.RoleInstructor || u.Role == scoreboard.RoleManager
}

// accountPages sign users in and out, keep their sessions, languages and
// API tokens, and guard every request: who asks (identify), whether a
// form carries its CSRF token, how many forms a user sends.
type accountPages struct {
	*base
	accounts   accountStore
	sessionTTL time.Duration
	// login limits sign-in attempts per address and name, submit forms
	// per user.
	login, submit *limiter
}

// accountStore is what accountPages read and write of the users'
// accounts.
type accountStore interface {
	APITokenUser(ctx context.Context, token string, now time.Time) (scoreboard.User, error)
	SessionUser(ctx context.Context, token string, now time.Time) (scoreboard.Session, scoreboard.User, error)
	TouchSession(ctx context.Context, token string, now, expires time.Time) error
	UserByName(ctx context.Context, name string) (scoreboard.User, error)
	CreateSession(ctx context.Context, user string, now, expires time.Time) (string, error)
	DeleteSession(ctx context.Context, token string) error
	SetUserLanguage(ctx context.Context, user, lang string) error
	APITokens(ctx context.Context, user string) ([]scoreboard.APIToken, error)
	CreateAPIToken(ctx context.Context, user, name string, now, expires time.Time) (string, error)
	RevokeAPIToken(ctx context.Context, user, name string) error
}

// identify finds who is asking: a bearer token under /api/, else the
// session cookie. A bearer token that does not open is refused outright
// rather than read as a visitor, so that a script learns its token is bad.
func (a *accountPages) identify(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		v := &viewer{}
		c.Set(viewerKey, v)
		ctx, now := c.Request().Context(), a.now()
		if auth := c.Request().Header.Get("Authorization"); auth != "" && strings.HasPrefix(c.Request().URL.Path, "/api/") {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				return errSignIn
			}
			u, err := a.accounts.APITokenUser(ctx, strings.TrimSpace(token), now)
			if errors.Is(err, scoreboard.ErrNotFound) {
				return errSignIn
			}
			if err != nil {
				return err
			}
			v.user, v.bearer = &u, true
		} else if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, u, err := a.accounts.SessionUser(ctx, ck.Value, now)
			switch {
			case errors.Is(err, scoreboard.ErrNotFound):
				a.clearCookie(c, sessionCookie)
			case err != nil:
				return err
			default:
				v.user, v.session = &u, ck.Value
				// Sliding expiry, written at most once a minute.
				if now.Sub(sess.LastSeen) > time.Minute {
					if err := a.accounts.TouchSession(ctx, ck.Value, now, now.Add(a.sessionTTL)); err != nil {
						a.log.Warn("touching a session", "err", err)
					}
				}
			}
		}
		v.lang = a.language(c, v.user)
		v.loc = time.UTC
		if ck, err := c.Cookie(tzCookie); err == nil {
			if name, err := url.QueryUnescape(ck.Value); err == nil {
				v.loc = zone(name)
			}
		}
		return next(c)
	}
}

// language is the user's stored choice, else the lang cookie, else the
// browser's Accept-Language.
func (a *accountPages) language(c echo.Context, u *scoreboard.User) string {
	if u != nil && supported(u.Language) {
		return u.Language
	}
	if ck, err := c.Cookie(langCookie); err == nil && supported(ck.Value) {
		return ck.Value
	}
	return negotiate(c.Request().Header.Get("Accept-Language"))
}

// csrfToken is the token the page's forms carry. A signed-in user's is an
// HMAC of the session's token, so it needs no storage, changes with every
// session and cannot be made from anything but the session cookie itself,
// which scripts of other sites cannot read. A visitor's is a random value
// in a cookie of its own (double submit), made on the first form shown.
func (b *base) csrfToken(c echo.Context) string {
	v := viewerOf(c)
	if v.session != "" {
		return sessionCSRF(v.session)
	}
	if v.user != nil { // an API token: no forms
		return ""
	}
	if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	if t, ok := c.Get(csrfCookie).(string); ok { // made earlier in this request
		return t
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	t := base64.RawURLEncoding.EncodeToString(raw)
	c.Set(csrfCookie, t)
	c.SetCookie(b.cookie(csrfCookie, t, 0))
	return t
}

func sessionCSRF(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("cordillera csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses a state-changing request without the right token.
// Requests with an API token carry no ambient credential, so they need
// none.
func (a *accountPages) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		v := viewerOf(c)
		if v.bearer {
			return next(c)
		}
		var want string
		if v.session != "" {
			want = sessionCSRF(v.session)
		} else if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			want = ck.Value
		}
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = c.FormValue(csrfField)
		}
		if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
			a.log.Info("CSRF token refused", "path", c.Request().URL.Path, "ip", c.RealIP())
			return errCSRF
		}
		return next(c)
	}
}

// limitSubmissions bounds how many forms (any non-GET request) one user,
// or one address for visitors, sends per minute.
func (a *accountPages) limitSubmissions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		key := "ip:" + c.RealIP()
		if u := viewerOf(c).user; u != nil {
			key = "user:" + u.Name
		}
		if ok, wait := a.submit.allow(key, a.now()); !ok {
			return tooMany(wait)
		}
		return next(c)
	}
}

func (b *base) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: b.secure, SameSite: http.SameSiteLaxMode,
	}
}

func (b *base) clearCookie(c echo.Context, name string) {
	c.SetCookie(b.cookie(name, "", -1))
}

// requireUser returns the signed-in user, or sends a visitor to sign in
// (pages) or refuses them (API).
func requireUser(c echo.Context) (*scoreboard.User, error) {
	if u := viewerOf(c).user; u != nil {
		return u, nil
	}
	if isAPI(c) || c.Request().Method != http.MethodGet {
		return nil, errSignIn
	}
	return nil, c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
}

// requireStaff lets instructors and managers in.
func requireStaff(c echo.Context) (*scoreboard.User, error) {
	u, err := requireUser(c)
	if u == nil || err != nil {
		return nil, err
	}
	if !isStaff(u) {
		return nil, errForbidden
	}
	return u, nil
}

// mayViewTeam says whether u may see a team's own pages and breakdown:
// staff any team, a trainee only their own.
func mayViewTeam(u *scoreboard.User, exercise, team string) bool {
	return isStaff(u) || u.Role == scoreboard.RoleTrainee && u.Exercise == exercise && u.Team == team
}

// dummyHash makes a sign-in with an unknown name cost what a wrong
// password costs, so that timing does not tell which names exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("cordillera"), bcrypt.DefaultCost)

type loginView struct {
	Name, Next, Error string
}

func (a *accountPages) loginPage(c echo.Context) error {
	p := a.page(c, "login.title")
	p.Data = loginView{Next: safeNext(c.QueryParam("next"))}
	return a.render(c, http.StatusOK, tmplLogin, p)
}

func (a *accountPages) signIn(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	if ok, wait := a.login.allow(c.RealIP()+"|"+strings.ToLower(name), a.now()); !ok {
		a.log.Info("sign-in rate limited", "user", name, "ip", c.RealIP())
		return tooMany(wait)
	}
	ctx := c.Request().Context()
	u, err := a.accounts.UserByName(ctx, name)
	if err != nil && !errors.Is(err, scoreboard.ErrNotFound) {
		return err
	}
	hash := []byte(u.PasswordHash)
	if err != nil {
		hash = dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil {
		a.log.Info("sign-in failed", "user", name, "ip", c.RealIP())
		p := a.page(c, "login.title")
		p.Data = loginView{Name: name, Next: next, Error: "login.failed"}
		return a.render(c, http.StatusUnauthorized, tmplLogin, p)
	}
	if v := viewerOf(c); v.session != "" {
		a.accounts.DeleteSession(ctx, v.session)
	}
	now := a.now()
	token, err := a.accounts.CreateSession(ctx, u.Name, now, now.Add(a.sessionTTL))
	if err != nil {
		return err
	}
	c.SetCookie(a.cookie(sessionCookie, token, 0))
	a.clearCookie(c, csrfCookie)
	a.log.Info("signed in", "user", u.Name, "role", u.Role, "ip", c.RealIP())
	if next == "/" {
		next = home(&u)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// home is where a user lands after signing in.
func home(u *scoreboard.User) string {
	if u.Role == scoreboard.RoleTrainee {
		if u.Team == "" {
			return "/join"
		}
		return "/team"
	}
	return "/"
}

func (a *accountPages) signOut(c echo.Context) error {
	if v := viewerOf(c); v.session != "" {
		if err := a.accounts.DeleteSession(c.Request().Context(), v.session); err != nil {
			return err
		}
	}
	a.clearCookie(c, sessionCookie)
	return c.Redirect(http.StatusSeeOther, "/")
}

// safeNext is the one gate of every redirect target a request names
// (next=, on sign-in and the language switch): a clean path of this site,
// else "/". Browsers forgive a lot in a Location: they drop tabs and line
// breaks, read a backslash as a slash and "//host" as another site, so
// "/\t/evil.example" and "/\\evil.example" leave the site. A clean path is
// printable ASCII without a backslash, starts with one slash, names no
// scheme or host, and its percent-decoded path is clean too (a proxy may
// decode "/%2F/evil.example" before a browser sees it).
func safeNext(next string) string {
	if len(next) > 2048 || !cleanPath(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Decode until nothing changes: "%252F" is "%2F" once decoded.
	for p, i := u.EscapedPath(), 0; i < 4; i++ {
		d, err := url.PathUnescape(p)
		if err != nil || !cleanPath(d) {
			return "/"
		}
		if d == p {
			return next
		}
		p = d
	}
	return "/"
}

// cleanPath says whether p starts with one slash, and holds printable ASCII
// only, no backslash.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// setLanguage keeps the chosen language: in a cookie for everyone, and
// with the user when signed in, so it follows them to other browsers.
func (a *accountPages) setLanguage(c echo.Context) error {
	lang := c.FormValue("lang")
	if !supported(lang) {
		return errBadInput
	}
	if v := viewerOf(c); v.user != nil {
		if err := a.accounts.SetUserLanguage(c.Request().Context(), v.user.Name, lang); err != nil {
			return err
		}
	}
	ck := a.cookie(langCookie, lang, 365*24*3600)
	ck.HttpOnly = false
	c.SetCookie(ck)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// setVisitorLanguage is the language switch of a visitor's pages: a link
// that changes nothing but the browser's own cookie, so that it needs no
// token and the public pages, which carry none, are one copy for every
// visitor. A signed-in user's pages switch with a form (setLanguage), which
// keeps the choice in their account.
func (a *accountPages) setVisitorLanguage(c echo.Context) error {
	lang := c.QueryParam("lang")
	if !supported(lang) {
		return errBadInput
	}
	ck := a.cookie(langCookie, lang, 365*24*3600)
	ck.HttpOnly = false
	c.SetCookie(ck)
	return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
}

type accountView struct {
	Tokens   []scoreboard.APIToken
	NewToken string
	Error    string
}

func (a *accountPages) account(c echo.Context) error {
	return a.renderAccount(c, http.StatusOK, accountView{})
}

func (a *accountPages) renderAccount(c echo.Context, status int, view accountView) error {
	u := userOf(c)
	var err error
	view.Tokens, err = a.accounts.APITokens(c.Request().Context(), u.Name)
	if err != nil {
		return err
	}
	p := a.page(c, "account.title")
	p.Data = view
	return a.render(c, status, tmplAccount, p)
}

func (a *accountPages) createToken(c echo.Context) error {
	u := userOf(c)
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || len(name) > 64 {
		return errBadInput
	}
	token, err := a.accounts.CreateAPIToken(c.Request().Context(), u.Name, name, a.now(), time.Time{})
	if errors.Is(err, scoreboard.ErrDuplicate) {
		return a.renderAccount(c, http.StatusConflict, accountView{Error: "account.token_exists"})
	}
	if err != nil {
		return err
	}
	a.log.Info("API token created", "user", u.Name, "token", name)
	return a.renderAccount(c, http.StatusOK, accountView{NewToken: token})
}

func (a *accountPages) revokeToken(c echo.Context) error {
	u := userOf(c)
	if err := a.accounts.RevokeAPIToken(c.Request().Context(), u.Name, c.FormValue("name")); err != nil {
		return err
	}
	a.log.Info("API token revoked", "user", u.Name, "token", c.FormValue("name"))
	return c.Redirect(http.StatusSeeOther, "/account")
}
