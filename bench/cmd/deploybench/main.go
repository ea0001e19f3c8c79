// Command deploybench compares deploying N teams of bench/scenario with
// `cordillera up` against deploying the same containers and networks with
// `docker compose up -d`, and tearing them down with `cordillera down`
// against `docker compose down`. See docs/performance.md.
//
//	deploybench [-teams 1,5,10] [-repeat 1] [-cordillera bin/cordillera] [-compose "docker compose"]
//	deploybench compose -exercise FILE [-v1]    # print the equivalent compose file
//
// Both tools start from the same plan: the compose file is generated from
// the orchestrator's own desired state (orchestrator.NewDesired), with the
// same container and network names, addresses, aliases, hostnames,
// environment, limits, capabilities and hardening. Only the labels differ:
// compose's objects carry cordillera.bench=deploy instead of Cordillera's, so
// that neither tool sees the other's objects. The two are run one after the
// other, never at once, and everything either made is removed on the way
// out, on failure and on Ctrl-C too.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/scenarios"
)

const (
	exerciseName = "bench-deploy"
	// namePrefix starts the name of every container and network either tool
	// creates here, and nothing else's.
	namePrefix     = "cordillera-" + exerciseName + "-"
	composeProject = "cordillera-bench-deploy"
	benchLabel     = "cordillera.bench"
	// addressPool keeps the benchmark's networks away from the default pool
	// (10.160.0.0/12) that other exercises on the same engine use.
	addressPool = "10.224.0.0/12"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "compose" {
		err = composeCmd(os.Args[2:])
	} else {
		err = runCmd(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploybench:", err)
		os.Exit(1)
	}
}

func composeCmd(args []string) error {
	fs := flag.NewFlagSet("compose", flag.ExitOnError)
	exercise := fs.String("exercise", "", "exercise `file` to deploy")
	v1 := fs.Bool("v1", false, "write for docker-compose 1.x (file format 2.4)")
	fs.Parse(args)
	d, err := desired(*exercise)
	if err != nil {
		return err
	}
	b, err := composeFile(d, *v1)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(b)
	return err
}

// writeExercise writes the exercise of n teams of the scenario in dir.
func writeExercise(dir, scenario string, n int) (string, error) {
	rel, err := filepath.Rel(dir, scenario)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "exercise %q {\n  title = \"Deployment benchmark, %d teams\"\n  scenario = %q\n  seed = \"bench-deploy\"\n  address_pool = %q\n",
		exerciseName, n, rel, addressPool)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  team \"t%02d\" {\n    name = \"Team %d\"\n    country = %q\n  }\n", i, i, []string{"CL", "CO"}[i%2])
	}
	b.WriteString("}\n")
	path := filepath.Join(dir, fmt.Sprintf("bench-%d.hcl", n))
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// desired is what `cordillera up --exercise path` deploys.
func desired(path string) (*orchestrator.Desired, error) {
	loader := scenarios.NewLoader()
	ex, sc, diags := loader.LoadExercise(path)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", path, diags.Error())
	}
	plans, diags := scenarios.Plan(sc, ex)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", path, diags.Error())
	}
	return orchestrator.NewDesired(plans, orchestrator.Options{})
}

// composeFile is the compose file of the same networks and containers. JSON
// is YAML, so both generations of compose read it.
func composeFile(d *orchestrator.Desired, v1 bool) ([]byte, error) {
	type netAtt struct {
		IPv4    string   `json:"ipv4_address"`
		Aliases []string `json:"aliases,omitempty"`
	}
	type service struct {
		ContainerName string             `json:"container_name"`
		Hostname      string             `json:"hostname"`
		Image         string             `json:"image"`
		Command       []string           `json:"command,omitempty"`
		Environment   map[string]string  `json:"environment,omitempty"`
		Labels        map[string]string  `json:"labels"`
		CapDrop       []string           `json:"cap_drop"`
		CapAdd        []string           `json:"cap_add,omitempty"`
		SecurityOpt   []string           `json:"security_opt"`
		MemLimit      int64              `json:"mem_limit"`
		MemswapLimit  int64              `json:"memswap_limit"`
		CPUs          float64            `json:"cpus"`
		PidsLimit     int64              `json:"pids_limit"`
		Restart       string             `json:"restart"`
		Networks      map[string]*netAtt `json:"networks"`
	}
	type ipamConfig struct {
		Subnet  string `json:"subnet"`
		Gateway string `json:"gateway"`
	}
	type network struct {
		Name       string            `json:"name"`
		Driver     string            `json:"driver"`
		Internal   bool              `json:"internal"`
		DriverOpts map[string]string `json:"driver_opts,omitempty"`
		IPAM       struct {
			Driver string       `json:"driver"`
			Config []ipamConfig `json:"config"`
		} `json:"ipam"`
		Labels map[string]string `json:"labels"`
	}
	file := struct {
		Version  string              `json:"version,omitempty"`
		Services map[string]*service `json:"services"`
		Networks map[string]*network `json:"networks"`
	}{Services: map[string]*service{}, Networks: map[string]*network{}}
	if v1 {
		file.Version = "2.4" // the last 2.x format: cpus, pids_limit, mem_limit
	}
	label := map[string]string{benchLabel: "deploy"}
	for _, n := range d.Networks {
		nw := &network{Name: n.Name, Driver: "bridge", Internal: !n.Internet, Labels: label}
		if !n.Internet {
			nw.DriverOpts = map[string]string{"com.docker.network.bridge.inhibit_ipv4": "true"}
		}
		nw.IPAM.Driver = "default"
		nw.IPAM.Config = []ipamConfig{{Subnet: n.Subnet.String(), Gateway: n.Gateway.String()}}
		file.Networks[n.Name] = nw
	}
	for _, c := range d.Containers {
		s := &service{
			ContainerName: c.Name, Hostname: c.Hostname, Image: c.Image, Command: c.Command, Environment: c.Env,
			Labels: label, CapDrop: []string{"ALL"}, CapAdd: c.CapAdd, SecurityOpt: []string{"no-new-privileges:true"},
			MemLimit: c.Memory, MemswapLimit: c.Memory, CPUs: c.CPUs, PidsLimit: c.Pids, Restart: "no",
			Networks: map[string]*netAtt{},
		}
		for _, a := range c.Networks {
			s.Networks[a.Network] = &netAtt{IPv4: a.Address.String(), Aliases: a.Aliases}
		}
		file.Services[c.Name] = s
	}
	return json.MarshalIndent(file, "", "  ")
}

// result is one measurement of one tool at one size.
type result struct {
	Teams, Containers int
	Tool              string // "cordillera" or "compose"
	// Running is the time until every container runs; Ready, for
	// Cordillera, until every service's check passes from its scorebot,
	// for compose until every host's service port listens (seen in the
	// containers' network namespaces: compose has no checks).
	Running, Ready, Down time.Duration
	// CPU is the user+system time of the tool's process (not the engine's).
	UpCPU, DownCPU time.Duration
}

type bench struct {
	cordillera string
	compose    []string
	v1         bool
	scenario   string
	work       string
	log        io.Writer
	wait       time.Duration
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("deploybench", flag.ExitOnError)
	teams := fs.String("teams", "1,5,10", "comma-separated team `counts`")
	repeat := fs.Int("repeat", 1, "measurements of each tool at each size")
	cord := fs.String("cordillera", "bin/cordillera", "the cordillera `binary`")
	compose := fs.String("compose", "docker compose", "the compose `command`")
	scenario := fs.String("scenario", "bench/scenario", "scenario `folder` each team gets")
	logPath := fs.String("log", "", "`file` for the tools' output (default: in a temporary folder)")
	jsonOut := fs.String("json", "", "also write every measurement to this `file`")
	wait := fs.Duration("wait", 5*time.Minute, "longest wait for Cordillera's checks")
	fs.Parse(args)

	sizes, err := parseSizes(*teams)
	if err != nil {
		return err
	}
	scen, err := filepath.Abs(*scenario)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "cordillera-deploybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if *logPath == "" {
		*logPath = filepath.Join(os.TempDir(), "cordillera-deploybench.log")
	}
	logf, err := os.Create(*logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	b := &bench{cordillera: *cord, compose: strings.Fields(*compose), scenario: scen, work: work, log: logf, wait: *wait}
	ver, _ := exec.Command(b.compose[0], append(b.compose[1:], "version", "--short")...).Output()
	b.v1 = strings.HasPrefix(strings.TrimSpace(string(ver)), "1.")
	cver, _ := exec.Command(*cord, "version").Output()
	fmt.Printf("compose: %s %s; cordillera: %s; tools' output in %s\n",
		*compose, strings.TrimSpace(string(ver)), strings.TrimSpace(string(cver)), *logPath)

	// Whatever happens, nothing of the benchmark stays behind.
	b.cleanupOnInterrupt()
	if left := b.leftovers(); left > 0 {
		fmt.Printf("removing %d objects left by an earlier run\n", left)
		b.cleanup("")
	}
	results, err := b.measure(sizes, *repeat)
	if err != nil {
		return err
	}
	if left := b.leftovers(); left > 0 {
		b.cleanup("")
		return fmt.Errorf("%d objects were left behind (now removed)", left)
	}
	if *jsonOut != "" {
		j, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(*jsonOut, j, 0o644); err != nil {
			return err
		}
	}
	report(os.Stdout, sizes, results)
	return nil
}

// parseSizes reads -teams: team counts separated by commas.
func parseSizes(teams string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(teams, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 200 {
			return nil, fmt.Errorf("-teams: %q is not a team count from 1 to 200", f)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// cleanupOnInterrupt cleans up and exits on Ctrl-C or SIGTERM.
func (b *bench) cleanupOnInterrupt() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Println("\ninterrupted: cleaning up")
		b.cleanup("")
		os.Exit(130)
	}()
}

// measure deploys and tears down each size with each tool, repeat times,
// and returns the measurements in the order they were taken.
func (b *bench) measure(sizes []int, repeat int) ([]result, error) {
	var results []result
	for _, n := range sizes {
		path, err := writeExercise(b.work, b.scenario, n)
		if err != nil {
			return nil, err
		}
		d, err := desired(path)
		if err != nil {
			return nil, err
		}
		file, err := composeFile(d, b.v1)
		if err != nil {
			return nil, err
		}
		composePath := filepath.Join(b.work, fmt.Sprintf("compose-%d.yaml", n))
		if err := os.WriteFile(composePath, file, 0o644); err != nil {
			return nil, err
		}
		for r := range repeat {
			// Alternate which tool goes first, so that neither always
			// meets a warmer engine.
			tools := []string{"cordillera", "compose"}
			if r%2 == 1 {
				slices.Reverse(tools)
			}
			for _, tool := range tools {
				res, err := b.measureOnce(tool, n, r, path, composePath, d)
				if err != nil {
					return nil, err
				}
				results = append(results, res)
			}
		}
	}
	return results, nil
}

// measureOnce deploys and tears down the exercise of n teams (at path, or
// as the compose file at composePath) with the tool, and prints how long it
// took. On failure it removes what the run left.
func (b *bench) measureOnce(tool string, n, run int, path, composePath string, d *orchestrator.Desired) (result, error) {
	fmt.Printf("%2d teams (%d containers, %d networks), run %d: %s ...\n", n, len(d.Containers), len(d.Networks), run+1, tool)
	var res result
	var err error
	if tool == "cordillera" {
		res, err = b.cordilleraRun(path, len(d.Containers))
	} else {
		res, err = b.composeRun(composePath, d)
	}
	if err != nil {
		b.cleanup(composePath)
		return result{}, fmt.Errorf("%d teams, %s: %w", n, tool, err)
	}
	res.Teams = n
	fmt.Printf("   running after %s", sec(res.Running))
	if tool == "cordillera" {
		fmt.Printf(", every check passes after %s", sec(res.Ready))
	} else {
		fmt.Printf(", every service listens after %s", sec(res.Ready))
	}
	fmt.Printf("; down %s; CPU of the tool %s up, %s down\n", sec(res.Down), sec(res.UpCPU), sec(res.DownCPU))
	return res, nil
}

func (b *bench) cordilleraRun(exercise string, want int) (result, error) {
	res := result{Tool: "cordillera", Containers: want}
	settle()
	// `up` says "Created N containers and M networks." when every
	// container has been started, then waits for the checks.
	marks, cpu, err := b.timed([]string{"Created "}, b.cordillera, "up", "--exercise", exercise, "--wait", b.wait.String())
	if err != nil {
		return res, err
	}
	if marks[0] < 0 {
		return res, errors.New("cordillera up never said it created the containers")
	}
	res.Running, res.Ready, res.UpCPU = marks[0], marks[1], cpu
	if err := b.allRunning(want); err != nil {
		return res, err
	}
	settle()
	marks, cpu, err = b.timed(nil, b.cordillera, "down", exerciseName)
	if err != nil {
		return res, err
	}
	res.Down, res.DownCPU = marks[0], cpu
	return res, b.noneLeft()
}

func (b *bench) composeRun(file string, d *orchestrator.Desired) (result, error) {
	want := len(d.Containers)
	res := result{Tool: "compose", Containers: want}
	base := append(slices.Clone(b.compose[1:]), "-p", composeProject, "-f", file)
	up := append(slices.Clone(base), "up", "-d")
	if !b.v1 {
		up = append(up, "--pull", "never")
	}
	settle()
	start := time.Now()
	marks, cpu, err := b.timed(nil, b.compose[0], up...)
	if err != nil {
		return res, err
	}
	res.Running, res.UpCPU = marks[0], cpu
	if err := listening(d, servicePort); err != nil {
		return res, err
	}
	res.Ready = time.Since(start)
	if err := b.allRunning(want); err != nil {
		return res, err
	}
	settle()
	marks, cpu, err = b.timed(nil, b.compose[0], append(slices.Clone(base), "down")...)
	if err != nil {
		return res, err
	}
	res.Down, res.DownCPU = marks[0], cpu
	return res, b.noneLeft()
}

// servicePort is the port every host of bench/scenario serves.
const servicePort = 502

// listening waits until every host of d listens on port, read from the
// TCP table of its network namespace (/proc/PID/net/tcp of its process):
// no process is started in the containers, so the measure costs them
// nothing.
func listening(d *orchestrator.Desired, port int) error {
	var names []string
	for _, c := range d.Containers {
		if orchestrator.KeyOf(c.Labels).Role == orchestrator.RoleHost {
			names = append(names, c.Name)
		}
	}
	pids, err := docker(append([]string{"inspect", "-f", "{{.State.Pid}}"}, names...)...)
	if err != nil {
		return err
	}
	local := fmt.Sprintf(":%04X ", port)
	deadline := time.Now().Add(5 * time.Minute)
	for _, pid := range pids {
		for {
			b, err := os.ReadFile("/proc/" + pid + "/net/tcp")
			if err != nil {
				return err
			}
			if slices.ContainsFunc(strings.Split(string(b), "\n"), func(l string) bool {
				f := strings.Fields(l)
				return len(f) > 3 && strings.HasSuffix(f[1]+" ", local) && f[3] == "0A"
			}) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("process %s listens on no port %d after 5 minutes", pid, port)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// settle lets the engine finish what the previous step left it doing
// (network namespaces are torn down in the background).
func settle() { time.Sleep(3 * time.Second) }

// timed runs the command, logging its output, and returns when each line
// starting with one of the markers first appeared, then when the command
// ended (the last element), and the CPU time it took.
func (b *bench) timed(markers []string, name string, args ...string) ([]time.Duration, time.Duration, error) {
	fmt.Fprintf(b.log, "\n$ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	marks := make([]time.Duration, len(markers)+1)
	for i := range markers {
		marks[i] = -1
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			for i, m := range markers {
				if marks[i] < 0 && strings.HasPrefix(line, m) {
					marks[i] = time.Since(start)
				}
			}
			fmt.Fprintln(b.log, line)
		}
	}()
	err := cmd.Wait()
	marks[len(markers)] = time.Since(start)
	pw.Close()
	<-done
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w (output in the log)", name, strings.Join(args, " "), err)
	}
	ps := cmd.ProcessState
	return marks, ps.UserTime() + ps.SystemTime(), nil
}

func docker(args ...string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("docker %s: %w", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out)), nil
}

// allRunning checks that the benchmark's want containers all run.
func (b *bench) allRunning(want int) error {
	states, err := docker("ps", "-a", "--filter", "name="+namePrefix, "--format", "{{.State}}")
	if err != nil {
		return err
	}
	running := 0
	for _, s := range states {
		if s == "running" {
			running++
		}
	}
	if running != want || len(states) != want {
		return fmt.Errorf("%d of %d containers run, %d exist", running, want, len(states))
	}
	return nil
}

func (b *bench) noneLeft() error {
	if n := b.leftovers(); n > 0 {
		return fmt.Errorf("%d containers or networks are left after the teardown", n)
	}
	return nil
}

// leftovers counts the benchmark's containers and networks.
func (b *bench) leftovers() int {
	cs, _ := docker("ps", "-aq", "--filter", "name="+namePrefix)
	ns, _ := docker("network", "ls", "-q", "--filter", "name="+namePrefix)
	return len(cs) + len(ns)
}

// cleanup removes whatever of the benchmark exists: through each tool, then
// by name prefix, which only the benchmark's objects have.
func (b *bench) cleanup(composePath string) {
	exec.Command(b.cordillera, "down", exerciseName).Run()
	if composePath != "" {
		exec.Command(b.compose[0], append(slices.Clone(b.compose[1:]), "-p", composeProject, "-f", composePath, "down", "-t", "0")...).Run()
	}
	if cs, _ := docker("ps", "-aq", "--filter", "name="+namePrefix); len(cs) > 0 {
		docker(append([]string{"rm", "-f"}, cs...)...)
	}
	if ns, _ := docker("network", "ls", "-q", "--filter", "name="+namePrefix); len(ns) > 0 {
		docker(append([]string{"network", "rm"}, ns...)...)
	}
}

func sec(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// report prints a markdown table: medians over the runs, and Cordillera's
// time over compose's as a ratio.
func report(w io.Writer, sizes []int, results []result) {
	fmt.Fprintln(w, "\nMedians over the runs; ratio = Cordillera / compose (above 1: Cordillera is slower).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| teams | containers | cordillera up: all running | compose up -d | ratio | cordillera: every check passes | ratio to compose up -d | compose: every service listens | ratio to that | cordillera down | compose down | ratio | CPU of the tool, up: cordillera / compose |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, n := range sizes {
		var c, k struct{ run, ready, down, cpu []time.Duration }
		containers := 0
		for _, r := range results {
			if r.Teams != n {
				continue
			}
			containers = r.Containers
			t := &k
			if r.Tool == "cordillera" {
				t = &c
			}
			t.run, t.ready, t.down, t.cpu = append(t.run, r.Running), append(t.ready, r.Ready), append(t.down, r.Down), append(t.cpu, r.UpCPU)
		}
		ratio := func(a, b []time.Duration) string {
			if median(b) == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f", median(a).Seconds()/median(b).Seconds())
		}
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", n, containers,
			sec(median(c.run)), sec(median(k.run)), ratio(c.run, k.run), sec(median(c.ready)), ratio(c.ready, k.run),
			sec(median(k.ready)), ratio(c.ready, k.ready),
			sec(median(c.down)), sec(median(k.down)), ratio(c.down, k.down), sec(median(c.cpu)), sec(median(k.cpu)))
	}
}
