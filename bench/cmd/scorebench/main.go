// Command scorebench measures how many checks the scorebots' agents keep up
// with: it deploys N teams of H hosts once, then runs the exercise with S
// checked services per host (N × H × S checks a round, half tcp, half
// http) for a few rounds of real time with `cordillera run`, once per S,
// and reads back from each run's database whether every round finished
// within its length, and how long after it fell due. Meanwhile it samples
// the CPU and memory of the `cordillera run` process, of the Docker daemon
// and containerd, of the agents, and of the whole machine. Before and after
// the runs it measures the machine's raw TCP connect rate on loopback, the
// ceiling the checks are compared with.
//
// The hosts run the small static range host of the Docker tests
// (orchestrator/docker/dockertest), which answers HTTP on port 80, so that
// the checks, not the services, are measured; the scorebot is Cordillera's
// own image.
//
// See docs/performance.md for the method; bench/scorebot.sh runs it.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/cordillera-range/cordillera/orchestrator/docker/dockertest"
)

const (
	exerciseName = "bench-scorebot"
	// addressPool keeps the benchmark's networks away from the default pool
	// and from the deployment benchmark's.
	addressPool = "10.232.0.0/13"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scorebench:", err)
		os.Exit(1)
	}
}

type config struct {
	cordillera string
	teams      int
	hosts      int
	services   []int
	rounds     int
	round      time.Duration
	logPath    string
	jsonPath   string
}

// result is one run: S services per host, and what was seen.
type result struct {
	Teams, Hosts, Services int
	ChecksPerRound         int
	Round                  time.Duration
	// Rounds is how many rounds each team was due; RoundsMin and RoundsMax
	// how many the slowest and fastest team had recorded, complete.
	Rounds, RoundsMin, RoundsMax int
	// Late counts rounds finished after the next was due, Incomplete the
	// rounds due that were not complete when the exercise ended.
	Late, Incomplete int
	// SpanP50 and SpanMax are how long after it was due a team's round
	// had its last result: the time its checks took, and waited.
	SpanP50, SpanP99, SpanMax time.Duration
	Checks, Failed            int
	ChecksPerSecond           float64
	// CPU in cores (CPU seconds per second of the run) and peak RSS; the
	// agents' CPU and RSS are all of them added up.
	CordilleraCPU, DockerdCPU, ContainerdCPU, AgentsCPU, MachineCPU float64
	CordilleraPeakRSS, AgentsPeakRSS                                int64
	Agents                                                          int
	FailedDetail                                                    string
}

func run() error {
	c, err := parseFlags()
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "scorebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := io.Discard
	if c.logPath != "" {
		f, err := os.Create(c.logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		log = f
	}

	if err := buildRangeHost(ctx); err != nil {
		return err
	}

	fmt.Printf("raw TCP connects on loopback, for %s: ", connectFor)
	before := loopbackConnects()
	fmt.Printf("%.0f/s\n", before)

	exercises := map[int]string{}
	for _, s := range c.services {
		if exercises[s], err = writeExercise(dir, c, s); err != nil {
			return err
		}
	}
	// Whatever happens, the range goes.
	defer tearDown(c, log)

	if err := deploy(ctx, c, exercises[c.services[0]], log); err != nil {
		return err
	}
	results, err := measureAll(ctx, c, dir, exercises, log)
	if err != nil {
		return err
	}
	fmt.Printf("raw TCP connects on loopback again, for %s: ", connectFor)
	after := loopbackConnects()
	fmt.Printf("%.0f/s\n", after)
	report(os.Stdout, results)
	fmt.Printf("\nRaw TCP connects on loopback (the ceiling): %.0f/s before the runs, %.0f/s after.\n", before, after)
	if c.jsonPath != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(c.jsonPath, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func parseFlags() (config, error) {
	var c config
	var services string
	flag.StringVar(&c.cordillera, "cordillera", "cordillera", "the cordillera `binary`")
	flag.IntVar(&c.teams, "teams", 20, "teams to deploy")
	flag.IntVar(&c.hosts, "hosts", 5, "hosts per team")
	flag.StringVar(&services, "services", "10,50,100,200", "checked services per host, one run for each, comma-separated")
	flag.IntVar(&c.rounds, "rounds", 5, "rounds per run")
	flag.DurationVar(&c.round, "round", 10*time.Second, "the scorebot's round, in real time")
	flag.StringVar(&c.logPath, "log", "", "`file` for the commands' output (default: discarded)")
	flag.StringVar(&c.jsonPath, "json", "", "`file` for the results as JSON")
	flag.Parse()
	for _, s := range strings.Split(services, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-services: %q is not a positive number", s)
		}
		c.services = append(c.services, n)
	}
	if c.teams < 1 || c.hosts < 1 || c.rounds < 2 {
		return c, errors.New("-teams and -hosts must be at least 1 and -rounds at least 2")
	}
	return c, nil
}

// buildRangeHost builds the image the benchmark's hosts run.
func buildRangeHost(ctx context.Context) error {
	engine, err := dockertest.Client()
	if err != nil {
		return err
	}
	fmt.Printf("building the range host image %s\n", dockertest.Image)
	if _, err := dockertest.BuildImage(ctx, engine); err != nil {
		return err
	}
	engine.Close()
	return nil
}

// deploy deploys the teams once, for every run: the runs' exercises differ
// in their checks only.
func deploy(ctx context.Context, c config, exercise string, log io.Writer) error {
	fmt.Printf("deploying %d teams × %d hosts (and their scorebots)\n", c.teams, c.hosts)
	started := time.Now()
	up := exec.CommandContext(ctx, c.cordillera, "up", "--exercise", exercise, "--wait", "5m")
	up.Stdout, up.Stderr = log, log
	if err := up.Run(); err != nil {
		return fmt.Errorf("cordillera up: %w (see the log)", err)
	}
	fmt.Printf("deployed, every check passing, in %.1fs\n", time.Since(started).Seconds())
	return nil
}

// tearDown removes the range, or says how to.
func tearDown(c config, log io.Writer) {
	fmt.Printf("tearing down %s\n", exerciseName)
	cmd := exec.Command(c.cordillera, "down", exerciseName)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "scorebench: down: %v; remove what is left with: cordillera down %s\n", err, exerciseName)
	}
}

// measureAll measures a run for each count of services per host.
func measureAll(ctx context.Context, c config, dir string, exercises map[int]string, log io.Writer) ([]result, error) {
	var results []result
	for _, s := range c.services {
		time.Sleep(5 * time.Second) // the engine settles
		fmt.Printf("running %d rounds of %d checks (%d teams × %d hosts × %d services), a round every %s\n",
			c.rounds, c.teams*c.hosts*s, c.teams, c.hosts, s, c.round)
		r, err := measure(ctx, c, dir, exercises[s], s, log)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		fmt.Printf("  %s\n", r.line())
	}
	return results, nil
}

// writeExercise writes the scenario with s services per host and its
// exercise of c.teams teams. Every variant names the same exercise and
// deploys the same containers: the services change the checks only.
func writeExercise(dir string, c config, s int) (string, error) {
	sdir := filepath.Join(dir, fmt.Sprintf("scenario-%d", s))
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return "", err
	}
	var b strings.Builder
	// One round more than measured: the exercise ends as the last starts.
	duration := time.Duration(c.rounds)*c.round + c.round/2
	fmt.Fprintf(&b, "scenario \"bench-scorebot\" {\n  title = \"Scorebot benchmark: %d checked services per PLC\"\n  duration = %q\n}\n\n", s, duration)
	b.WriteString("network \"lan\" {}\n")
	for h := 1; h <= c.hosts; h++ {
		fmt.Fprintf(&b, "\nhost \"web-%d\" {\n  image = %q\n  command = [\"/rangehost\", \"serve\"]\n  networks = [network.lan]\n  memory = \"64MiB\"\n  capabilities = [\"NET_BIND_SERVICE\"]\n", h, dockertest.Image)
		for i := 1; i <= s; i++ {
			// Half the checks connect, half ask for a page.
			if i%2 == 1 {
				fmt.Fprintf(&b, "  service \"tcp-%d\" {\n    port = 80\n    check \"tcp\" {}\n  }\n", i)
			} else {
				fmt.Fprintf(&b, "  service \"http-%d\" {\n    port = 80\n    check \"http\" {\n      path = \"/health\"\n      body_matches = \"ok\"\n    }\n  }\n", i)
			}
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, "\nscorebot {\n  round = %q\n}\n", c.round)
	if err := os.WriteFile(filepath.Join(sdir, "main.hcl"), []byte(b.String()), 0o644); err != nil {
		return "", err
	}

	b.Reset()
	fmt.Fprintf(&b, "exercise %q {\n  title = \"Scorebot benchmark, %d teams\"\n  scenario = %q\n  seed = \"bench-scorebot\"\n  address_pool = %q\n",
		exerciseName, c.teams, filepath.Base(sdir), addressPool)
	for i := 1; i <= c.teams; i++ {
		fmt.Fprintf(&b, "  team \"t%02d\" {\n    name = \"Team %d\"\n    country = %q\n  }\n", i, i, []string{"CL", "CO"}[i%2])
	}
	b.WriteString("}\n")
	path := filepath.Join(dir, fmt.Sprintf("exercise-%d.hcl", s))
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// measure runs the exercise with s services per host on a fresh database
// until it ends, sampling CPU and memory, then reads its rounds back.
func measure(ctx context.Context, c config, dir, exercise string, s int, log io.Writer) (result, error) {
	r := result{Teams: c.teams, Hosts: c.hosts, Services: s, ChecksPerRound: c.teams * c.hosts * s, Round: c.round, Rounds: c.rounds}
	db := filepath.Join(dir, fmt.Sprintf("run-%d.db", s))
	cmd := exec.CommandContext(ctx, c.cordillera, "run", "--exercise", exercise, "--db", db,
		"--no-deploy", "--wait", "0", "--speed", "1", "--view", "lines")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return r, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	pid := cmd.Process.Pid
	dockerd, containerd := pidOf("dockerd"), pidOf("containerd")
	start := time.Now()
	cpu0 := [3]float64{procCPU(pid), procCPU(dockerd), procCPU(containerd)}
	agents0 := map[int]float64{} // agent pid: CPU seconds when first seen
	agentsCPU := map[int]float64{}
	busy0, total0 := machineCPU()
	var cpu1 [3]float64
	var busy1, total1 float64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var runErr error
wait:
	for {
		select {
		case runErr = <-done:
			break wait
		case <-tick.C:
			// The last sample before the process exits is the one kept.
			if v := procCPU(pid); v > 0 {
				cpu1[0] = v
			}
			cpu1[1], cpu1[2] = procCPU(dockerd), procCPU(containerd)
			busy1, total1 = machineCPU()
			r.CordilleraPeakRSS = max(r.CordilleraPeakRSS, procRSS(pid))
			var rss int64
			agents := pidsOf("agent")
			for _, a := range agents {
				v := procCPU(a)
				if _, ok := agents0[a]; !ok {
					agents0[a] = v
				}
				agentsCPU[a] = v - agents0[a]
				rss += procRSS(a)
			}
			r.AgentsPeakRSS = max(r.AgentsPeakRSS, rss)
			r.Agents = max(r.Agents, len(agents))
		}
	}
	if runErr != nil {
		return r, fmt.Errorf("cordillera run with %d services per host: %w (see the log)", s, runErr)
	}
	secs := time.Since(start).Seconds()
	r.CordilleraCPU = (cpu1[0] - cpu0[0]) / secs
	r.DockerdCPU = (cpu1[1] - cpu0[1]) / secs
	r.ContainerdCPU = (cpu1[2] - cpu0[2]) / secs
	for _, v := range agentsCPU {
		r.AgentsCPU += v / secs
	}
	if total1 > total0 {
		r.MachineCPU = (busy1 - busy0) / (total1 - total0) * float64(runtime.NumCPU())
	}
	return r, readRounds(db, &r)
}

// readRounds reads every check result back and judges each team's rounds.
func readRounds(path string, r *result) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer db.Close()
	byTeam, first, last, err := scanRounds(db, r)
	if err != nil {
		return err
	}
	if len(byTeam) != r.Teams {
		return fmt.Errorf("%d teams have check results; want %d", len(byTeam), r.Teams)
	}
	// Every team's first round is due as the exercise starts, each next one
	// a round later: a round is late when its last result comes after the
	// next one was due, and missed when it is not complete by the end.
	var started sql.NullInt64
	if err := db.QueryRow(`SELECT started_at FROM exercises WHERE name = ?`, exerciseName).Scan(&started); err != nil {
		return err
	}
	start := first
	if started.Valid && started.Int64 > 0 && started.Int64 <= first {
		start = started.Int64
	}
	judgeRounds(r, byTeam, start)
	if last > first {
		r.ChecksPerSecond = float64(r.Checks) / (float64(last-first) / 1000)
	}
	return nil
}

// teamRound is what one team's round recorded: how many results, and when
// the first and the last came.
type teamRound struct {
	n           int
	first, last int64
}

// scanRounds reads every check result into r's counts and each team's
// rounds, by round number, and returns those with the times of the first
// and the last result.
func scanRounds(db *sql.DB, r *result) (map[string]map[int]*teamRound, int64, int64, error) {
	rows, err := db.Query(`SELECT t.key, c.round, c.up, c.detail, c.at FROM check_results c
		JOIN teams t ON t.id = c.team_id ORDER BY t.key, c.round, c.at`)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	byTeam := map[string]map[int]*teamRound{}
	var first, last int64
	for rows.Next() {
		var team, detail string
		var number int
		var up bool
		var at int64
		if err := rows.Scan(&team, &number, &up, &detail, &at); err != nil {
			return nil, 0, 0, err
		}
		if byTeam[team] == nil {
			byTeam[team] = map[int]*teamRound{}
		}
		rd := byTeam[team][number]
		if rd == nil {
			rd = &teamRound{first: at, last: at}
			byTeam[team][number] = rd
		}
		rd.n++
		rd.first, rd.last = min(rd.first, at), max(rd.last, at)
		if first == 0 || at < first {
			first = at
		}
		last = max(last, at)
		r.Checks++
		if !up {
			r.Failed++
			r.FailedDetail = detail
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	return byTeam, first, last, nil
}

// judgeRounds counts each team's rounds complete, late and incomplete, and
// how long after they were due they were done, the first due at start.
func judgeRounds(r *result, byTeam map[string]map[int]*teamRound, start int64) {
	perTeam := r.ChecksPerRound / r.Teams
	var spans []time.Duration
	r.RoundsMin = -1
	for _, rounds := range byTeam {
		complete := 0
		for n := 1; n <= r.Rounds; n++ {
			rd := rounds[n]
			if rd == nil || rd.n < perTeam {
				r.Incomplete++
				continue
			}
			complete++
			due := start + int64(n-1)*r.Round.Milliseconds()
			lag := time.Duration(rd.last-due) * time.Millisecond
			spans = append(spans, lag)
			if lag > r.Round {
				r.Late++
			}
		}
		if r.RoundsMin < 0 || complete < r.RoundsMin {
			r.RoundsMin = complete
		}
		r.RoundsMax = max(r.RoundsMax, complete)
	}
	slices.Sort(spans)
	if len(spans) > 0 {
		r.SpanP50, r.SpanP99, r.SpanMax = spans[len(spans)/2], spans[(len(spans)*99)/100], spans[len(spans)-1]
	}
}

func (r result) line() string {
	return fmt.Sprintf("%d checks a round: rounds %d–%d of %d per team, %d late, %d incomplete; round done after p50 %.2fs p99 %.2fs max %.2fs; %d checks (%d failed), %.0f checks/s; CPU: cordillera %.2f, dockerd %.2f, containerd %.2f, %d agents %.2f, machine %.2f cores; peak RSS: cordillera %d MiB, agents %d MiB",
		r.ChecksPerRound, r.RoundsMin, r.RoundsMax, r.Rounds, r.Late, r.Incomplete, r.SpanP50.Seconds(), r.SpanP99.Seconds(), r.SpanMax.Seconds(),
		r.Checks, r.Failed, r.ChecksPerSecond, r.CordilleraCPU, r.DockerdCPU, r.ContainerdCPU, r.Agents, r.AgentsCPU, r.MachineCPU,
		r.CordilleraPeakRSS>>20, r.AgentsPeakRSS>>20)
}

func report(w io.Writer, results []result) {
	fmt.Fprintln(w, "\n| teams × hosts × services | checks a round | rounds complete / due | late | incomplete | round done after due (p50 / p99 / max) | checks/s | failed | CPU cordillera / dockerd / containerd / agents / machine (cores) | peak RSS cordillera / all agents |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %d × %d × %d | %d | %d–%d / %d | %d | %d | %.2f s / %.2f s / %.2f s | %.0f | %d | %.2f / %.2f / %.2f / %.2f / %.2f | %d MiB / %d MiB (%d agents) |\n",
			r.Teams, r.Hosts, r.Services, r.ChecksPerRound, r.RoundsMin, r.RoundsMax, r.Rounds, r.Late, r.Incomplete,
			r.SpanP50.Seconds(), r.SpanP99.Seconds(), r.SpanMax.Seconds(), r.ChecksPerSecond, r.Failed,
			r.CordilleraCPU, r.DockerdCPU, r.ContainerdCPU, r.AgentsCPU, r.MachineCPU, r.CordilleraPeakRSS>>20, r.AgentsPeakRSS>>20, r.Agents)
	}
	for _, r := range results {
		if r.Failed > 0 {
			fmt.Fprintf(w, "%d services per host: a failed check said: %s\n", r.Services, r.FailedDetail)
		}
	}
}

// connectFor is how long each loopback measurement runs.
const connectFor = 3 * time.Second

// loopbackConnects is how many TCP connections a second the machine opens
// and closes on loopback, from as many dialers as there are CPUs, to a
// listener that accepts and closes them: the raw cost of a connection,
// with no container in the way.
func loopbackConnects() float64 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := l.Addr().String()
	var n atomic.Int64
	deadline := time.Now().Add(connectFor)
	var wg sync.WaitGroup
	for range 4 * runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					continue
				}
				c.Close()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / connectFor.Seconds()
}

// pidsOf finds every process whose command name is name.
func pidsOf(name string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			pids = append(pids, pid)
		}
	}
	return pids
}

// pidOf finds a process by its command name; 0 if there is none.
func pidOf(name string) int {
	if pids := pidsOf(name); len(pids) > 0 {
		return pids[0]
	}
	return 0
}

// procCPU is the CPU seconds a process has used, user and system; 0 when
// it cannot be read.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

// procRSS is a process's resident memory in bytes.
func procRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// machineCPU reads the busy and total jiffies of all CPUs.
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)[1:]
	for i, f := range fields {
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}
