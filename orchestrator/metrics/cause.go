package metrics

import (
	"strings"
)

// Causes of a failed check: the cause label of
// cordillera_check_failures_total. A check result keeps only its detail,
// the sentence the scorebot's agent wrote for the team (see
// orchestrator/agent/probe's Judge), so the cause is read back from the
// detail's fixed wording, never from the words a team's service said.
const (
	CauseTimeout      = "timeout"       // the service did not answer in time
	CauseRefused      = "refused"       // the connection was refused, or the port is closed
	CauseUnreachable  = "unreachable"   // no HTTP answer for another reason: reset, no route
	CauseWrongStatus  = "wrong_status"  // an HTTP status other than the one expected
	CauseWrongContent = "wrong_content" // the body, banner, answer or output did not match
	CauseNoAnswer     = "no_answer"     // a DNS question had no answer (NXDOMAIN, SERVFAIL, empty)
	CauseWrongExit    = "wrong_exit"    // a command check exited with another code
	CauseNotRun       = "not_run"       // the check could not run, or was cancelled
	CauseOther        = "other"         // none of the above
)

// Causes lists every cause, in the order the exposition gives them.
var Causes = []string{
	CauseTimeout, CauseRefused, CauseUnreachable, CauseWrongStatus, CauseWrongContent,
	CauseNoAnswer, CauseWrongExit, CauseNotRun, CauseOther,
}

// causeRule says a detail that begins with prefix and, after the prefix,
// contains contains ("" : anything) has the cause. The first rule that
// matches wins. The rules that match on what follows a prefix look only at
// what the agent wrote itself (an error it described); the details that
// quote a team's service (its banner, body, answer or output) are matched
// by their prefix alone, first, so that a service printing "timed out"
// cannot move its failure to another cause.
type causeRule struct {
	cause, prefix, contains string
}

var causeRules = []causeRule{
	// What the service said did not match: quoted free text follows.
	{CauseWrongContent, "the body does not match ", ""},
	{CauseWrongContent, "the service said ", ""},
	{CauseWrongContent, "the answer ", ""},
	{CauseWrongContent, "the output ", ""},
	{CauseWrongStatus, "HTTP status ", ""},
	// HTTP: no answer at all.
	{CauseTimeout, "no HTTP answer: ", "timed out"},
	{CauseRefused, "no HTTP answer: ", "connection refused"},
	{CauseNotRun, "no HTTP answer: ", "cancelled"},
	{CauseUnreachable, "no HTTP answer: ", ""},
	// DNS: no answer, or no server answered.
	{CauseTimeout, "no answer for ", "timed out"},
	{CauseRefused, "no answer for ", "connection refused"},
	{CauseNotRun, "no answer for ", "cancelled"},
	{CauseNoAnswer, "no answer for ", ""},
	// TCP: the agent says only that the port did not accept.
	{CauseRefused, "port ", "does not accept connections"},
	// Commands.
	{CauseTimeout, "could not run the check: ", "did not finish within"},
	{CauseNotRun, "could not run the check: ", ""},
	{CauseNotRun, "cancelled", ""},
	{CauseNotRun, "unknown check type ", ""},
	// "<program> exited 1, want 0: <its last line>": the program is the
	// scenario's, the last line the team's, so this comes after every
	// prefix above.
	{CauseWrongExit, "", " exited "},
}

// Cause buckets a failed check's detail into one of Causes. The store's
// collector computes the same in SQL (causeSQL), from the same rules.
func Cause(detail string) string {
	for _, r := range causeRules {
		rest, ok := strings.CutPrefix(detail, r.prefix)
		if ok && strings.Contains(rest, r.contains) {
			return r.cause
		}
	}
	return CauseOther
}

// causeSQL is Cause as an SQLite expression over the column detail, with
// its arguments. Prefixes are ASCII, so SQLite's character lengths are
// their byte lengths.
func causeSQL() (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	for _, r := range causeRules {
		b.WriteString(" WHEN substr(detail, 1, ?) = ? AND instr(substr(detail, ?), ?) > 0 THEN ?")
		args = append(args, len(r.prefix), r.prefix, len(r.prefix)+1, r.contains, r.cause)
	}
	b.WriteString(" ELSE ? END")
	args = append(args, CauseOther)
	return b.String(), args
}
