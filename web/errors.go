package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cordillera-range/cordillera/scoreboard"
)

// webError is a refusal the user is told about, in their language: Key
// names the message in the catalog.
type webError struct {
	Status int
	Key    string
	// RetryAfter is set on 429s.
	RetryAfter time.Duration
}

func (e *webError) Error() string { return catalogs["en"][e.Key] }

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

// isAPI says whether a request wants errors as JSON.
func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/") || strings.HasPrefix(c.Request().URL.Path, "/events/")
}

// handleError maps every error a handler returns to a status and a page
// (or a JSON body under /api/), never a stack trace. Errors the user cannot
// act on are logged and shown as a 500.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, key, detail := http.StatusInternalServerError, "error.500", ""
	var we *webError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &we):
		status, key = we.Status, we.Key
		if we.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(we.RetryAfter.Seconds()+0.999)))
		}
	case errors.As(err, &he):
		status = he.Code
		key = "error." + strconv.Itoa(status)
		if _, ok := catalogs["en"][key]; !ok {
			key = "error.400"
		}
	case errors.Is(err, scoreboard.ErrNotFound):
		status, key, detail = http.StatusNotFound, "error.404", err.Error()
	case errors.Is(err, scoreboard.ErrInvalid):
		status, key, detail = http.StatusBadRequest, "error.400", err.Error()
	case errors.Is(err, scoreboard.ErrRateLimited):
		status, key = http.StatusTooManyRequests, "error.429"
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized && isAPI(c) {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="cordillera"`)
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	if isAPI(c) {
		msg := catalogs["en"][key]
		if m, ok := apiMessages[status]; ok {
			msg = m
		}
		if detail != "" {
			msg = detail
		}
		c.JSON(status, map[string]string{"error": msg})
		return
	}
	p := s.page(c, "error.title")
	p.Data = errorView{Status: status, Message: p.T(key)}
	if err := s.render(c, status, tmplError, p); err != nil {
		s.log.Error("rendering the error page", "err", err)
		c.String(status, http.StatusText(status))
	}
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
