package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// Seen is what a check observed of a service, before it is judged.
type Seen struct {
	// Err says the check could not talk to the service at all (refused,
	// timed out, no such program); the other fields are then unset.
	Err error
	// Status is the HTTP status.
	Status int
	// Output is the HTTP body, what the TCP service said, the DNS answers
	// one a line as dig +short prints them, or a command's output.
	Output string
	// Exit is a command's exit code.
	Exit int
	// Rcode is the DNS answer's response code, for a detail when there is
	// no answer.
	Rcode int
}

// Judge decides a check from what it saw. Its verdicts and details are
// those of orchestrator.judge, which decides from the output of curl, nc
// and dig run by docker exec, so that a range checked by the agent scores
// as one checked by exec: the same up or down, in the same words where
// the native check sees the same thing.
func Judge(c Check, s Seen) (bool, string) {
	up, detail := judge(c, s)
	return up, clip(detail)
}

func judge(c Check, s Seen) (bool, string) {
	switch {
	case c.HTTP != nil:
		if s.Err != nil {
			return false, "no HTTP answer: " + describe(s.Err, c)
		}
		if s.Status != c.HTTP.ExpectStatus {
			return false, fmt.Sprintf("HTTP status %d, want %d", s.Status, c.HTTP.ExpectStatus)
		}
		if c.HTTP.BodyMatches != "" && !matches(c.HTTP.BodyMatches, s.Output) {
			return false, fmt.Sprintf("the body does not match %q", c.HTTP.BodyMatches)
		}
		return true, "HTTP " + strconv.Itoa(s.Status)
	case c.TCP != nil:
		if s.Err != nil {
			return false, fmt.Sprintf("port %d/tcp does not accept connections", c.Port)
		}
		if c.TCP.Expect == "" {
			return true, "open"
		}
		out := strings.TrimRight(s.Output, "\n")
		if !matches(c.TCP.Expect, out) {
			return false, fmt.Sprintf("the service said %q, which does not match %q", firstLine(out), c.TCP.Expect)
		}
		return true, firstLine(out)
	case c.DNS != nil:
		out := strings.TrimRight(s.Output, "\n")
		if s.Err != nil {
			return false, fmt.Sprintf("no answer for %s %s: %s", c.DNS.Type, c.DNS.Name, describe(s.Err, c))
		}
		if out == "" {
			return false, fmt.Sprintf("no answer for %s %s: %s", c.DNS.Type, c.DNS.Name, rcodeText(s.Rcode))
		}
		if c.DNS.Expect != "" && !matches(c.DNS.Expect, out) {
			return false, fmt.Sprintf("the answer %q does not match %q", firstLine(out), c.DNS.Expect)
		}
		return true, firstLine(out)
	case c.Command != nil:
		name := "the command"
		if len(c.Command.Run) > 0 {
			name = c.Command.Run[0]
		}
		if s.Err != nil {
			return false, "could not run the check: " + name + " " + describe(s.Err, c)
		}
		out := strings.TrimRight(s.Output, "\n")
		if s.Exit != c.Command.ExpectExit {
			return false, fmt.Sprintf("%s exited %d, want %d: %s", name, s.Exit, c.Command.ExpectExit, lastLine(out))
		}
		if c.Command.OutputMatches != "" && !matches(c.Command.OutputMatches, out) {
			return false, fmt.Sprintf("the output %q does not match %q", lastLine(out), c.Command.OutputMatches)
		}
		return true, "exit " + strconv.Itoa(s.Exit)
	}
	return false, "unknown check type " + c.Type
}

// describe puts a network error in the few words a team needs, rather
// than Go's "dial tcp 10.0.0.1:80: connect: connection refused".
func describe(err error, c Check) string {
	var dnsErr *dnsError
	switch {
	case errors.As(err, &dnsErr):
		return dnsErr.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		if c.Command != nil {
			return "did not finish within " + timeout(c).String()
		}
		if c.DNS != nil {
			return "connection timed out; no servers could be reached"
		}
		return "timed out after " + timeout(c).String()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		if c.DNS != nil {
			return fmt.Sprintf("communications error to %s#%d: connection refused", c.Address, c.Port)
		}
		return fmt.Sprintf("failed to connect to %s port %d: connection refused", c.Address, c.Port)
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("no route to %s", c.Address)
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func timeout(c Check) time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// DefaultTimeout is a check's timeout when its request names none, as
// scenarios.DefaultCheckTimeout.
const DefaultTimeout = 5 * time.Second

var rcodeNames = map[int]string{1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

func rcodeText(rcode int) string {
	if n, ok := rcodeNames[rcode]; ok {
		return n
	}
	if rcode == 0 {
		return "the server answered with no records"
	}
	return "rcode " + strconv.Itoa(rcode)
}

// patterns caches compiled expressions: the same few come every round.
// It stops growing at maxPatterns, so that odd requests cannot fill it.
var patterns sync.Map

const maxPatterns = 4096

var patternCount int64
var patternMu sync.Mutex

// matches is orchestrator.judge's: an expression that does not compile
// matches nothing (the scenario's validation has already refused it).
func matches(pattern, s string) bool {
	re := compile(pattern)
	return re != nil && re.MatchString(s)
}

func compile(pattern string) *regexp.Regexp {
	if v, ok := patterns.Load(pattern); ok {
		return v.(*regexp.Regexp)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil
	}
	patternMu.Lock()
	if patternCount < maxPatterns {
		patternCount++
		patterns.Store(pattern, re)
	}
	patternMu.Unlock()
	return re
}

func cutLast(s string) (before, last string, ok bool) {
	i := strings.LastIndexByte(s, '\n')
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

func lastLine(s string) string {
	_, last, _ := cutLast(strings.TrimSpace(s))
	return strings.TrimSpace(last)
}

// clip keeps a detail within MaxDetail bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= MaxDetail {
		return s
	}
	s = s[:MaxDetail-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
