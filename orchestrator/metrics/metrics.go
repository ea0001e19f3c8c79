package metrics

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TokenEnv is the environment variable the serve command reads the
// metrics token from. Unset or empty, /metrics refuses every request.
const TokenEnv = "CORDILLERA_METRICS_TOKEN"

// MinTokenLength is the shortest token accepted: a shorter one leaves
// /metrics refusing every request, as no token does.
const MinTokenLength = 16

// TokenFromEnv returns $CORDILLERA_METRICS_TOKEN, without surrounding
// space.
func TokenFromEnv() string { return strings.TrimSpace(os.Getenv(TokenEnv)) }

// Engine error kinds: the kind label of cordillera_engine_errors_total.
// Any other kind given to EngineError counts as KindOther.
const (
	KindRecordRound     = "record_round"     // a round's checks could not be recorded
	KindRecordAttack    = "record_attack"    // an attack's outcome could not be recorded
	KindScorebot        = "scorebot"         // a team's scorebot could not run a round
	KindContainerEngine = "container_engine" // the container engine did not answer
	KindLease           = "lease"            // the engine lost or could not renew its lease
	KindAttack          = "attack"           // an attack could not run (its outcome is error)
	KindOther           = "other"
)

// Kinds lists every engine error kind.
var Kinds = []string{KindRecordRound, KindRecordAttack, KindScorebot, KindContainerEngine, KindLease, KindAttack, KindOther}

// DeployBuckets are the bounds, in seconds, of
// cordillera_deploy_duration_seconds: from a second to half an hour.
var DeployBuckets = []float64{1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800}

// Options configure New.
type Options struct {
	// Token is what scrapers send as "Authorization: Bearer TOKEN"
	// (TokenFromEnv, usually). Empty, or shorter than MinTokenLength, the
	// handler refuses every request and says how to set one.
	Token string
	// Source is read at every scrape for the store's counts; nil leaves
	// those metrics out.
	Source Source
	// Viewers, when set, is the number of live viewers (SetViewers may set
	// it later).
	Viewers func() int
	// ScrapeTimeout bounds the read of Source; 0 is 10 seconds.
	ScrapeTimeout time.Duration
}

// Metrics is Cordillera's Prometheus instrumentation: a registry of its
// own (never the global one), the store's counts read at scrape time, and
// the instruments the engine, the director and the web server call. Its
// methods are safe for concurrent use, and a nil *Metrics does nothing, so
// callers need no check for metrics being off.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler
	token   [sha256.Size]byte
	hasTok  bool
	reason  string // why every request is refused, when !hasTok

	viewers atomic.Pointer[func() int]

	late        *prometheus.CounterVec
	engineErrs  *prometheus.CounterVec
	deploys     *prometheus.HistogramVec
	exercisesMu sync.Mutex
	exercises   map[string]bool
}

// New makes the metrics and registers them, with Go's runtime and the
// process's collectors.
func New(opt Options) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), exercises: map[string]bool{}}
	switch {
	case opt.Token == "":
		m.reason = "Metrics are off: no token is set. Set the environment variable " + TokenEnv +
			" to a secret of at least 16 characters (for example the output of `openssl rand -hex 32`) before `cordillera serve`," +
			" and have Prometheus send it as \"Authorization: Bearer <token>\".\n"
	case len(opt.Token) < MinTokenLength:
		m.reason = "Metrics are off: the token in " + TokenEnv + " is shorter than 16 characters. Set a longer secret" +
			" (for example the output of `openssl rand -hex 32`) and restart `cordillera serve`.\n"
	default:
		m.token, m.hasTok = sha256.Sum256([]byte(opt.Token)), true
	}
	if opt.Viewers != nil {
		m.SetViewers(opt.Viewers)
	}
	timeout := opt.ScrapeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}

	m.late = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cordillera_late_rounds_total",
		Help: "Team rounds the engine started later than they were due, since the process started.",
	}, []string{"exercise"})
	m.engineErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cordillera_engine_errors_total",
		Help: "Errors of the exercise engine by kind, since the process started.",
	}, []string{"exercise", "kind"})
	m.deploys = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cordillera_deploy_duration_seconds",
		Help:    "How long deploying an exercise's ranges took, by result (ok or failed).",
		Buckets: DeployBuckets,
	}, []string{"exercise", "result"})
	viewers := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cordillera_live_viewers",
		Help: "Browsers following a live view (scoreboard, dashboards) right now.",
	}, func() float64 {
		if f := m.viewers.Load(); f != nil {
			return float64((*f)())
		}
		return 0
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.late, m.engineErrs, m.deploys, viewers,
	)
	if opt.Source != nil {
		m.reg.MustRegister(&storeCollector{src: opt.Source, timeout: timeout})
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// Registry is the metrics' own registry, for a caller that adds
// collectors of its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format to a request
// whose "Authorization: Bearer TOKEN" carries the token: 401 to one
// without it or with another, 403 with a sentence saying how to set a
// token when none is set. Mount it at GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.hasTok {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(m.reason))
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
		// Hashing first makes the comparison's time independent of the
		// token's length as well.
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], m.token[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cordillera metrics"`)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte("Send the metrics token as \"Authorization: Bearer <token>\" (the value of " + TokenEnv + " where cordillera serve runs).\n"))
			return
		}
		m.handler.ServeHTTP(w, r)
	})
}

// SetViewers sets the function cordillera_live_viewers reads at every
// scrape: the web server's count of live connections.
func (m *Metrics) SetViewers(f func() int) {
	if m == nil || f == nil {
		return
	}
	m.viewers.Store(&f)
}

// RoundLate counts a team round of the exercise that started later than
// it was due.
func (m *Metrics) RoundLate(exercise string) {
	if m == nil {
		return
	}
	m.late.WithLabelValues(m.exercise(exercise)).Inc()
}

// EngineError counts an engine error of the exercise; kind is one of
// Kinds, anything else counts as KindOther.
func (m *Metrics) EngineError(exercise, kind string) {
	if m == nil {
		return
	}
	found := false
	for _, k := range Kinds {
		found = found || k == kind
	}
	if !found {
		kind = KindOther
	}
	m.engineErrs.WithLabelValues(m.exercise(exercise), kind).Inc()
}

// DeployDone observes a deploy of the exercise that took d, and whether it
// succeeded.
func (m *Metrics) DeployDone(exercise string, d time.Duration, ok bool) {
	if m == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.deploys.WithLabelValues(m.exercise(exercise), result).Observe(d.Seconds())
}

// labelPattern is what an exercise label may be; the director's names
// (^[a-z][a-z0-9-]{0,39}$) all are.
var labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// maxExercises bounds the exercise label values of the in-process
// instruments; beyond it, new exercises count as "other".
const maxExercises = 1000

// LabelOther is the exercise label of a name that is not a name (free
// text, too long) and, for the in-process instruments, of exercises past
// the first thousand.
const LabelOther = "other"

func exerciseLabel(name string) string {
	if !labelPattern.MatchString(name) {
		return LabelOther
	}
	return name
}

// exercise is the in-process instruments' label for an exercise.
func (m *Metrics) exercise(name string) string {
	name = exerciseLabel(name)
	m.exercisesMu.Lock()
	defer m.exercisesMu.Unlock()
	if !m.exercises[name] {
		if len(m.exercises) >= maxExercises {
			return LabelOther
		}
		m.exercises[name] = true
	}
	return name
}

// storeCollector reads a Source at every scrape.
type storeCollector struct {
	src     Source
	timeout time.Duration
}

var (
	descRounds = prometheus.NewDesc("cordillera_rounds_total",
		"Team rounds recorded: one per team and round number with a check.", []string{"exercise"}, nil)
	descChecks = prometheus.NewDesc("cordillera_checks_total",
		"Service checks recorded, by result (up or down); rate() of it is checks per second.", []string{"exercise", "result"}, nil)
	descFailures = prometheus.NewDesc("cordillera_check_failures_total",
		"Failed service checks by cause.", []string{"exercise", "cause"}, nil)
	descAttacks = prometheus.NewDesc("cordillera_attack_runs_total",
		"Attack runs that have an outcome, by outcome.", []string{"exercise", "outcome"}, nil)
	descState = prometheus.NewDesc("cordillera_exercise_state",
		"1 for the exercise's state (created, running, paused, ended), 0 for the others.", []string{"exercise", "state"}, nil)
	descStoreUp = prometheus.NewDesc("cordillera_store_up",
		"1 when this scrape could read the scoreboard's counts, 0 when it could not.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRounds, descChecks, descFailures, descAttacks, descState, descStoreUp} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	counts, err := c.src.Counts(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, 1)
	// Two names that are not names would make one label: sum them.
	merged := map[string]*ExerciseCounts{}
	var order []string
	for _, e := range counts {
		name := exerciseLabel(e.Exercise)
		m, ok := merged[name]
		if !ok {
			m = &ExerciseCounts{Exercise: name, State: e.State, Failures: map[string]int64{}, AttackRuns: map[string]int64{}}
			merged[name] = m
			order = append(order, name)
		}
		m.Rounds += e.Rounds
		m.ChecksUp += e.ChecksUp
		m.ChecksDown += e.ChecksDown
		for k, n := range e.Failures {
			m.Failures[bucket(k, Causes, CauseOther)] += n
		}
		for k, n := range e.AttackRuns {
			m.AttackRuns[bucket(k, Outcomes, OutcomeError)] += n
		}
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, name := range order {
		e := merged[name]
		counter(descRounds, e.Rounds, name)
		counter(descChecks, e.ChecksUp, name, "up")
		counter(descChecks, e.ChecksDown, name, "down")
		for _, cause := range Causes {
			counter(descFailures, e.Failures[cause], name, cause)
		}
		for _, outcome := range Outcomes {
			counter(descAttacks, e.AttackRuns[outcome], name, outcome)
		}
		for _, s := range States {
			v := 0.0
			if s == e.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, v, name, s)
		}
	}
}

// bucket is v when it is one of known, else other: label values are
// always from a fixed set.
func bucket(v string, known []string, other string) string {
	for _, k := range known {
		if k == v {
			return v
		}
	}
	return other
}
