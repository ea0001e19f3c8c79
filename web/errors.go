package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	{engine.ErrNotStarted, http.StatusConflict, "trainee.err.not_started"},
	{engine.ErrEnded, http.StatusConflict, "trainee.err.ended"},
	{engine.ErrState, http.StatusConflict, ""},
	{director.ErrUnknown, http.StatusNotFound, ""},
	{scoreboard.ErrNotFound, http.StatusNotFound, ""},
	{engine.ErrUnknown, http.StatusNotFound, ""},
	{director.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{scoreboard.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{scoreboard.ErrRateLimited, http.StatusTooManyRequests, "error.429"},
}

// playRules word the engine's rules of play a team's submission broke,
// each in the field at fault.
var playRules = []struct {
	rule   error
	status int
	key    string
}{
	{engine.ErrRequired, http.StatusUnprocessableEntity, "trainee.err.required"},
	{engine.ErrTooLong, http.StatusUnprocessableEntity, "trainee.err.too_long"},
	{engine.ErrNoInject, http.StatusUnprocessableEntity, "trainee.err.no_inject"},
	{engine.ErrNoAnswerAsked, http.StatusUnprocessableEntity, "trainee.err.no_answer_asked"},
	{engine.ErrAnswered, http.StatusConflict, "trainee.err.answered"},
	{engine.ErrNoHost, http.StatusUnprocessableEntity, "trainee.err.no_host"},
	{engine.ErrTechnique, http.StatusUnprocessableEntity, "trainee.err.technique"},
	{engine.ErrAddress, http.StatusUnprocessableEntity, "trainee.err.address"},
	{engine.ErrKind, http.StatusUnprocessableEntity, "trainee.err.kind"},
	{engine.ErrNoAttack, http.StatusUnprocessableEntity, "trainee.err.no_attack"},
}

// playRefusal words a broken rule of play; nil for a rule the table does
// not know.
func playRefusal(pe *engine.PlayError) *webError {
	for _, r := range playRules {
		if errors.Is(pe.Rule, r.rule) {
			we := &webError{Status: r.status, Field: pe.Field, Key: r.key, Err: pe}
			if pe.Arg != nil {
				we.Args = []any{pe.Arg}
			}
			return we
		}
	}
	return nil
}

// refusalOf says how to answer an error: a webError as it is, the domain's
// errors by the table above, anything else as a 500. Nil stays nil.
func refusalOf(err error) *webError {
	var we *webError
	var fe *director.FieldError
	var he *echo.HTTPError
	var pe *engine.PlayError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &we):
		return we
	case errors.As(err, &pe) && playRefusal(pe) != nil:
		return playRefusal(pe)
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
func (b *base) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	we := refusalOf(err)
	if we.Status >= 500 {
		b.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "status", we.Status, "err", err)
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
	p := b.page(c, "error.title")
	p.Data = errorView{Status: we.Status, Message: pageText(p, we)}
	if err := b.render(c, we.Status, tmplError, p); err != nil {
		b.log.Error("rendering the error page", "err", err)
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

// jsonRule is what a route takes as a JSON body.
type jsonRule struct {
	Max int // bytes
	// Optional lets an empty body through, leaving v as it is, and reads
	// the body whatever its Content-Type: most of the instructors' actions
	// have nothing to send, and their scripts never had to say it is JSON.
	Optional bool
}

var (
	traineeJSON  = jsonRule{Max: maxJSONBody}
	instructJSON = jsonRule{Max: maxBody, Optional: true}
)

// decodeJSON reads a request's JSON object into v, strictly: one object,
// known fields of the right types, at most r.Max bytes. When the body is
// not that, the error is a 400 saying what is wrong, and in which field:
// v may then hold part of the body, and must not be acted on.
func decodeJSON(c echo.Context, v any, r jsonRule) error {
	data, refused := readBody(c, r)
	if refused != "" {
		return &webError{Status: http.StatusBadRequest, Err: errors.New(refused)}
	}
	if strings.TrimSpace(string(data)) == "" {
		if r.Optional {
			return nil
		}
		return &webError{Status: http.StatusBadRequest, Err: errors.New("the body is empty: send a JSON object")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	msg, field := jsonProblem(dec.Decode(v))
	if msg == "" && dec.More() {
		msg = "the body must hold one JSON object, and nothing after it"
	}
	if msg != "" {
		return &webError{Status: http.StatusBadRequest, Field: field, Err: errors.New(msg)}
	}
	return nil
}

// readBody reads at most r.Max bytes of a body, or says why it will not.
func readBody(c echo.Context, r jsonRule) ([]byte, string) {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); !r.Optional && ct != "" && !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return nil, fmt.Sprintf("the body must be JSON (Content-Type: application/json), not %s", ct)
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, int64(r.Max)+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || len(data) > r.Max:
		return nil, "the body is larger than " + byteSize(r.Max)
	case err != nil:
		return nil, "the body could not be read"
	}
	return data, ""
}

func byteSize(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// jsonProblem says what a decoding error means for the one who sent the
// body, and in which field; nothing for no error.
func jsonProblem(err error) (msg, field string) {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "", ""
	case errors.As(err, &syntax):
		return fmt.Sprintf("the body is not valid JSON: %v (at byte %d)", syntax, syntax.Offset), ""
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value), typ.Field
	case errors.As(err, &typ):
		return fmt.Sprintf("the body must be a JSON object, not %s", typ.Value), ""
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not valid JSON: it ends too early", ""
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fmt.Sprintf("unknown field %q", field), field
	}
	return "the body is not valid JSON: " + err.Error(), ""
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	}
	return kind
}
