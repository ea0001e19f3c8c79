package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/orchestrator/director"
	"github.com/cordillera-range/cordillera/orchestrator/engine"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// webError is why a request was refused: a status, the field at fault if
// any, and either a catalog key with its arguments (our own checks, in the
// user's language) or the error of the director, engine or store (their
// words, in English). Every handler's refusal is one, or an error that
// refusalOf turns into one.
type webError struct {
	Status int
	Key    string
	Args   []any
	Field  string
	Err    error
	// RetryAfter is set on 429s.
	RetryAfter time.Duration
}

func (e *webError) Error() string { return e.text("en") }

func (e *webError) Unwrap() error { return e.Err }

// text words the refusal in a language: ours in the catalog's words,
// theirs in their own.
func (e *webError) text(lang string) string {
	switch {
	case e.Key != "":
		return translate(lang, e.Key, e.Args...)
	case e.Err != nil:
		return e.Err.Error()
	}
	return http.StatusText(e.Status)
}

// actionError is the name the instructors' pages know a webError by.
type actionError = webError

var (
	errSignIn    = &webError{Status: http.StatusUnauthorized, Key: "error.401"}
	errForbidden = &webError{Status: http.StatusForbidden, Key: "error.403"}
	errCSRF      = &webError{Status: http.StatusForbidden, Key: "error.csrf"}
	errNotFound  = &webError{Status: http.StatusNotFound, Key: "error.404"}
	errBadInput  = &webError{Status: http.StatusBadRequest, Key: "error.400"}
)

func tooMany(retry time.Duration) *webError {
	return &webError{Status: http.StatusTooManyRequests, Key: "error.429", RetryAfter: retry}
}

// badField refuses a request for what one of its fields says.
func badField(field, key string, args ...any) *webError {
	return &webError{Status: http.StatusUnprocessableEntity, Field: field, Key: key, Args: args}
}

// statuses are the statuses of the domain's errors, the first that
// matches winning. A key, when given, words the refusal instead of the
// error's own text.
var statuses = []struct {
	err    error
	status int
	key    string
}{
	{director.ErrNoRuntime, http.StatusServiceUnavailable, ""},
	{context.Canceled, http.StatusServiceUnavailable, ""},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, ""},
	{director.ErrBusy, http.StatusConflict, ""},
	{scoreboard.ErrDuplicate, http.StatusConflict, ""},
	{scoreboard.ErrConflict, http.StatusConflict, ""},
	{engine.ErrState, http.StatusConflict, ""},
	{director.ErrUnknown, http.StatusNotFound, ""},
	{scoreboard.ErrNotFound, http.StatusNotFound, ""},
	{engine.ErrUnknown, http.StatusNotFound, ""},
	{director.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{scoreboard.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{scoreboard.ErrRateLimited, http.StatusTooManyRequests, "error.429"},
}

// refusalOf says how to answer an error: a webError as it is, the domain's
// errors by the table above, anything else as a 500. Nil stays nil.
func refusalOf(err error) *webError {
	var we *webError
	var fe *director.FieldError
	var he *echo.HTTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we):
		return we
	case errors.As(err, &fe):
		return &webError{Status: http.StatusUnprocessableEntity, Field: fe.Field, Err: errors.New(fe.Message)}
	case errors.As(err, &he):
		return &webError{Status: he.Code, Key: genericKey(he.Code), Err: err}
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return &webError{Status: s.status, Key: s.key, Err: err}
		}
	}
	return &webError{Status: http.StatusInternalServerError, Key: "error.500", Err: err}
}

// classifyAction is refusalOf, by the name the instructors' pages call it.
func classifyAction(err error) *webError { return refusalOf(err) }

// genericKey is the catalog's message for a status: its own, or the
// nearest kind's.
func genericKey(status int) string {
	key := "error." + strconv.Itoa(status)
	if _, ok := catalogs["en"][key]; ok {
		return key
	}
	if status >= 500 {
		return "error.500"
	}
	return "error.400"
}

// isAPI says whether a request wants errors as JSON.
func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasPrefix(c.Request().URL.Path, "/events/")
}

// handleError answers every error a handler returns with a status and a
// page, or a JSON body {"error": ..., "field": ...} under /api/, never a
// stack trace. Errors the user cannot act on are logged and shown as a 500.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	we := refusalOf(err)
	if we.Status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "status", we.Status, "err", err)
	}
	h := c.Response().Header()
	if we.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(we.RetryAfter.Seconds()+0.999)))
	}
	if we.Status == http.StatusUnauthorized && isAPI(c) {
		h.Set("WWW-Authenticate", `Bearer realm="cordillera"`)
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(we.Status)
		return
	}
	if isAPI(c) {
		body := map[string]string{"error": apiText(we)}
		if we.Field != "" {
			body["field"] = we.Field
		}
		c.JSON(we.Status, body)
		return
	}
	p := s.page(c, "error.title")
	p.Data = errorView{Status: we.Status, Message: pageText(p, we)}
	if err := s.render(c, we.Status, tmplError, p); err != nil {
		s.log.Error("rendering the error page", "err", err)
		c.String(we.Status, http.StatusText(we.Status))
	}
}

// apiText is a refusal's words for a script: the error's own text or our
// message for it, but for the statuses every page words alike, wording
// that fits a script.
func apiText(we *webError) string {
	if m, ok := apiMessages[we.Status]; ok && strings.HasPrefix(we.Key, "error.") {
		return m
	}
	return we.text("en")
}

// pageText is a refusal's words on the error page: ours in the page's
// language; the domain's, which are English, by the status's message.
func pageText(p *page, we *webError) string {
	if we.Key == "" {
		return p.T(genericKey(we.Status))
	}
	return p.T(we.Key, we.Args...)
}

type errorView struct {
	Status  int
	Message string
}

// apiMessages replace the pages' wording where it does not fit a script.
var apiMessages = map[int]string{
	http.StatusUnauthorized: "authentication required: sign in, or send Authorization: Bearer TOKEN",
	http.StatusForbidden:    "your role or team may not read this",
	http.StatusNotFound:     "not found",
}
