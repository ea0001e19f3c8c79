package main

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/cordillera-range/cordillera/orchestrator"
	"github.com/cordillera-range/cordillera/orchestrator/deploy"
	"github.com/cordillera-range/cordillera/scenarios"
	"github.com/cordillera-range/cordillera/scoreboard"
)

// environ is an environment of a few variables, as env.getenv reads it.
func environ(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestCatalogUnit: every message has both languages, of the same kind
// (string or plural forms), with as many arguments in each, and x/text
// takes them all.
func TestCatalogUnit(t *testing.T) {
	if catalogErr != nil {
		t.Fatalf("the catalog is not whole:\n%v", catalogErr)
	}
	// buildCatalog itself says what a language lacks.
	_, err := buildCatalog([]tongue{
		{language.English, map[string]string{"a": "A", "b": "B"}, map[string]forms{"n.x": {1, "%d x", "%d xs"}}},
		{language.Spanish, map[string]string{"a": "A"}, nil},
	})
	if err == nil || !strings.Contains(err.Error(), `"b"`) || !strings.Contains(err.Error(), `"n.x"`) {
		t.Errorf("a catalog without b and n.x in Spanish: %v", err)
	}
	for _, tg := range tongues[1:] {
		for key, en := range stringsEN {
			if s, ok := tg.strings[key]; ok && verbArgs(s) != verbArgs(en) {
				t.Errorf("%s %q takes %d arguments, English %d", tg.tag, key, verbArgs(s), verbArgs(en))
			}
		}
		for key, en := range pluralsEN {
			f, ok := tg.plurals[key]
			if !ok {
				continue
			}
			for _, s := range []string{f.one, f.other, en.one} {
				if verbArgs(s) != verbArgs(en.other) {
					t.Errorf("%s %q: %q takes %d arguments, English %d", tg.tag, key, s, verbArgs(s), verbArgs(en.other))
				}
			}
			if f.arg != en.arg {
				t.Errorf("%s %q counts argument %d, English %d", tg.tag, key, f.arg, en.arg)
			}
		}
	}
}

// verbArgs is how many arguments a format takes: the highest argument a
// verb uses, explicit indexes ("%[2]s") included.
func verbArgs(f string) int {
	arg, most := 0, 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("+-# 0", f[i]) >= 0 {
			i++
		}
		if i < len(f) && f[i] == '[' {
			if j := strings.IndexByte(f[i:], ']'); j > 0 {
				n, _ := strconv.Atoi(f[i+1 : i+j])
				arg = n - 1
				i += j + 1
			}
		}
		for i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.') {
			i++
		}
		if i < len(f) && f[i] == '%' {
			continue
		}
		arg++
		most = max(most, arg)
	}
	return most
}

// TestKeysUnit: every key the code names is in the catalog, so that no
// message shows its key instead of its words.
func TestKeysUnit(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	has := func(key string) bool {
		_, s := stringsEN[key]
		_, f := pluralsEN[key]
		return s || f
	}
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			at, prefix := 0, ""
			switch sel.Sel.Name {
			case "text", "errorf", "usagef":
			case "line":
				at = 1
			case "count":
				prefix = "n."
			default:
				return true
			}
			if len(call.Args) <= at {
				return true
			}
			lit, ok := call.Args[at].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // a key made at run time: checked below
			}
			key, _ := strconv.Unquote(lit.Value)
			seen++
			if !has(prefix + key) {
				t.Errorf("%s: no message %q", fset.Position(lit.Pos()), prefix+key)
			}
			return true
		})
	}
	if seen < 100 {
		t.Errorf("only %d keys found in the code: is the scan still right?", seen)
	}
	// The keys made at run time.
	var keys []string
	for name := range commands {
		keys = append(keys, "cmd."+name)
	}
	for _, r := range []string{"host", "attacker", "scorebot", "network", "container"} {
		keys = append(keys, "role."+r)
	}
	for _, s := range []string{scoreboard.ClockCreated, scoreboard.ClockRunning, scoreboard.ClockPaused, scoreboard.ClockEnded} {
		keys = append(keys, "clock."+s)
	}
	keys = append(keys, "validate.kind.scenario", "validate.kind.exercise", "deploy.fix.plan", "deploy.fix.deploy")
	for _, tense := range []string{".done", ".todo"} {
		keys = append(keys, "action.create"+tense, "action.remove"+tense, "action.remove.why"+tense)
	}
	for _, key := range keys {
		if !has(key) {
			t.Errorf("no message %q", key)
		}
	}
}

// TestLanguageUnit: LC_ALL, then LC_MESSAGES, then LANG decide; es... is
// Spanish, anything else English.
func TestLanguageUnit(t *testing.T) {
	tests := []struct {
		env  []string
		want language.Tag
	}{
		{nil, language.English},
		{[]string{"LANG", "es_CL.UTF-8"}, language.Spanish},
		{[]string{"LANG", "es_CO"}, language.Spanish},
		{[]string{"LANG", "es"}, language.Spanish},
		{[]string{"LANG", "en_US.UTF-8"}, language.English},
		{[]string{"LANG", "C"}, language.English},
		{[]string{"LANG", "pt_BR.UTF-8"}, language.English},
		{[]string{"LC_ALL", "en_US.UTF-8", "LANG", "es_CL.UTF-8"}, language.English},
		{[]string{"LC_ALL", "es_CO.UTF-8", "LC_MESSAGES", "en_US", "LANG", "en_US.UTF-8"}, language.Spanish},
		{[]string{"LC_MESSAGES", "es_CL.UTF-8", "LANG", "en_US.UTF-8"}, language.Spanish},
		{[]string{"LC_MESSAGES", "C", "LANG", "es_CL.UTF-8"}, language.English},
		{[]string{"LC_ALL", "", "LANG", "es_CL.UTF-8"}, language.Spanish},
	}
	for _, tt := range tests {
		if got := languageFrom(environ(tt.env...)); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.env, got, tt.want)
		}
	}
	if got := languageFrom(nil); got != language.English {
		t.Errorf("no environment: %v, want English", got)
	}
}

// TestMessagesUnit renders the commands' messages under each environment:
// the validate summary, the deploy's steps, what status lists, down's and
// fmt's counts, and control's clock, with the plural forms of 1 and 2.
func TestMessagesUnit(t *testing.T) {
	sc := &scenarios.Scenario{Name: "s", Networks: make([]*scenarios.Network, 1), Hosts: make([]*scenarios.Host, 2)}
	valid := &target{Path: "dir", Kind: "scenario", Name: "s", scenario: sc}
	broken := &target{Path: "dir", Kind: "scenario", Name: "s", Errors: 1, Warnings: 2}
	create := orchestrator.Action{Kind: orchestrator.CreateContainer, Key: orchestrator.Key{Team: "cl-1", Role: orchestrator.RoleHost, Name: "web"},
		Name: "cordillera-ex-cl-1-web", Container: orchestrator.ContainerSpec{Image: "cordillera/web:1",
			Networks: []orchestrator.Attachment{{Address: netip.MustParseAddr("10.160.16.10")}}}}
	remove := orchestrator.Action{Kind: orchestrator.RemoveNetwork, Name: "cordillera-ex-cl-1-dmz", Reason: orchestrator.ReasonChanged}
	observed := &orchestrator.Observed{Exercise: "ex",
		Networks:   []orchestrator.Network{{Name: "n1", Labels: map[string]string{orchestrator.LabelTeam: "cl-1", orchestrator.LabelName: "dmz"}}},
		Containers: []orchestrator.Container{{Name: "c1", State: "running", Labels: map[string]string{orchestrator.LabelTeam: "cl-1", orchestrator.LabelRole: "host", orchestrator.LabelName: "web"}}},
	}
	render := func(p *printer) string {
		var b bytes.Buffer
		b.WriteString(valid.summary(p) + "\n" + broken.summary(p) + "\n")
		rep := report(&b, p, false)
		rep(deploy.Event{Step: deploy.StepBuilt, Built: []string{"a"}, Took: time.Second})
		rep(deploy.Event{Step: deploy.StepBuilt, Built: []string{"a", "b"}, Took: time.Second})
		rep(deploy.Event{Step: deploy.StepAction, Action: orchestrator.Event{Action: create, Done: 1, Total: 2}})
		rep(deploy.Event{Step: deploy.StepAction, Action: orchestrator.Event{Action: remove, Done: 2, Total: 2, Err: errors.New("boom")}})
		rep(deploy.Event{Step: deploy.StepWait, Wait: time.Minute})
		rep(deploy.Event{Step: deploy.StepReady, Check: orchestrator.CheckResult{Team: "cl-1", Host: "web", Service: "http", OK: true, Detail: "200"}})
		rep(deploy.Event{Step: deploy.StepNotReady, Check: orchestrator.CheckResult{Team: "cl-1", Host: "web", Service: "ssh", Detail: "refused"}})
		rep(deploy.Event{Step: deploy.StepAllReady, Took: 3 * time.Second})
		writeObserved(&b, p, observed)
		p.line(&b, "down.removed", p.count("container", 1), p.count("network", 3), "ex")
		p.line(&b, "fmt.unformatted", 1)
		p.line(&b, "fmt.unformatted", 2)
		b.WriteString(clockState(p, scoreboard.Clock{State: scoreboard.ClockPaused, Halted: true}) + "\n")
		return b.String()
	}
	spanish := []string{
		`✓ escenario "s" (dir) es válido: 1 red, 2 hosts, 0 ataques, 0 inyecciones, 0 desafíos`,
		`✗ escenario "s" (dir): 1 error, 2 advertencias`,
		"Se construyó 1 imagen de los bloques build del escenario en 1s.",
		"Se construyeron 2 imágenes de los bloques build del escenario en 1s.",
		"[1/2] se creó el host cordillera-ex-cl-1-web 10.160.16.10 cordillera/web:1",
		"[2/2] falló: eliminar la red cordillera-ex-cl-1-dmz (cambió)",
		"Esperando hasta 1m0s más a que pasen las verificaciones",
		"  listo  cl-1         web/http (200)",
		`  NO LISTO equipo "cl-1" web/ssh: refused`,
		"Todas las verificaciones pasan, 3s después de comenzar el despliegue.",
		"Ejercicio ex: 1 equipo, 1 contenedor, 1 red",
		"  Equipo cl-1",
		"Se eliminaron 1 contenedor y 3 redes del ejercicio ex.",
		"1 archivo sin formato; ejecute cordillera fmt para corregirlo.",
		"2 archivos sin formato; ejecute cordillera fmt para corregirlos.",
		"en pausa, INTERRUPTOR DE EMERGENCIA ACTIVADO",
	}
	english := []string{
		`✓ scenario "s" (dir) is valid: 1 network, 2 hosts, 0 attacks, 0 injects, 0 challenges`,
		`✗ scenario "s" (dir): 1 error, 2 warnings`,
		"Built 1 image of the scenario's build blocks in 1s.",
		"Built 2 images of the scenario's build blocks in 1s.",
		"[1/2] created host cordillera-ex-cl-1-web 10.160.16.10 cordillera/web:1",
		"[2/2] failed: remove network cordillera-ex-cl-1-dmz (changed)",
		"Waiting up to 1m0s more for every service's check to pass",
		"  ready  cl-1         web/http (200)",
		`  NOT READY team "cl-1" web/ssh: refused`,
		"Every check passes, 3s after the deploy began.",
		"Exercise ex: 1 team, 1 container, 1 network",
		"  Team cl-1",
		"Removed 1 container and 3 networks of exercise ex.",
		"1 file not formatted; run cordillera fmt to fix.",
		"2 files not formatted; run cordillera fmt to fix.",
		"paused, KILL SWITCH ON",
	}
	tests := []struct {
		name string
		env  func(string) string
		want []string
	}{
		{"LANG=es_CL.UTF-8", environ("LANG", "es_CL.UTF-8"), spanish},
		{"LANG=en_US.UTF-8", environ("LANG", "en_US.UTF-8"), english},
		{"no LANG", nil, english},
		{"LC_ALL=en_US.UTF-8 over LANG=es_CL.UTF-8", environ("LC_ALL", "en_US.UTF-8", "LANG", "es_CL.UTF-8"), english},
		{"LC_ALL=es_CO.UTF-8 over LANG=en_US.UTF-8", environ("LC_ALL", "es_CO.UTF-8", "LANG", "en_US.UTF-8"), spanish},
		{"LC_MESSAGES=es_CO over LANG=en_US.UTF-8", environ("LC_MESSAGES", "es_CO", "LANG", "en_US.UTF-8"), spanish},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(printerFor(tt.env))
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// cordilleraIn runs the command as cordillera does, with the environment
// given, from the repository's root.
func cordilleraIn(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errw bytes.Buffer
	if _, err := os.Stat("go.mod"); err != nil {
		t.Chdir("../..") // once a test: the folder is the test's until it ends
	}
	code = run(context.Background(), &env{stdout: &out, stderr: &errw, getenv: getenv}, args)
	return out.String(), errw.String(), code
}

// TestValidateSpanish runs validate through run on a bundled scenario and
// an exercise under LANG=es_CL.UTF-8: its lines are Spanish, with none of
// the English ones left.
func TestValidateSpanish(t *testing.T) {
	es := environ("LANG", "es_CL.UTF-8")
	out, errs, code := cordilleraIn(t, es, "validate", "scenarios/library/water-utility")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	want := `✓ escenario "water-utility" (scenarios/library/water-utility) es válido: 2 redes, 3 hosts, 6 ataques, 7 inyecciones, 5 desafíos`
	if strings.TrimSpace(out) != want {
		t.Errorf("validate under LANG=es_CL.UTF-8:\n%s\nwant:\n%s", out, want)
	}
	words := strings.ReplaceAll(out, "scenarios/library/water-utility", "")
	for _, english := range []string{"scenario", "is valid", "networks?", "attacks?", "injects?", "challenges?", "warnings?", "errors?", "teams?"} {
		if regexp.MustCompile(`\b` + english + `\b`).MatchString(words) {
			t.Errorf("English %q left in:\n%s", english, out)
		}
	}

	// Its usage errors and help, too.
	_, errs, code = cordilleraIn(t, es, "validate")
	if code != 2 || !strings.Contains(errs, "cordillera validate: nombre al menos una carpeta de escenario") {
		t.Errorf("validate with no path: exit %d, %q", code, errs)
	}
	_, errs, _ = cordilleraIn(t, es, "validate", "-h")
	for _, want := range []string{"Uso: cordillera validate [--format text|json] RUTA...", "Opciones:", "formato de salida: text o json (por defecto: \"text\")"} {
		if !strings.Contains(errs, want) {
			t.Errorf("validate -h lacks %q:\n%s", want, errs)
		}
	}
	out, _, _ = cordilleraIn(t, es, "validate", "no/such/dir")
	if !strings.Contains(out, "No existe el archivo o la carpeta") || !strings.Contains(out, "✗ no/such/dir: 1 error, 0 advertencias") {
		t.Errorf("validate of a missing folder:\n%s", out)
	}

	// --lang before the command overrides the environment.
	out, _, code = cordilleraIn(t, es, "--lang", "en", "validate", "scenarios/library/water-utility")
	if code != 0 || !strings.Contains(out, "is valid: 2 networks") {
		t.Errorf("--lang en under LANG=es: exit %d\n%s", code, out)
	}
	out, _, code = cordilleraIn(t, nil, "--lang=es", "validate", "scenarios/library/water-utility")
	if code != 0 || !strings.Contains(out, "es válido: 2 redes") {
		t.Errorf("--lang=es: exit %d\n%s", code, out)
	}
	_, errs, code = cordilleraIn(t, nil, "--lang", "fr", "validate")
	if code != 2 || !strings.Contains(errs, `--lang is es or en, not "fr"`) {
		t.Errorf("--lang fr: exit %d, %q", code, errs)
	}
}

// TestHelpSpanish: the command list and a command's options in Spanish.
func TestHelpSpanish(t *testing.T) {
	out, _, code := cordilleraIn(t, environ("LC_ALL", "es_CO.UTF-8", "LANG", "en_US.UTF-8"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Uso: cordillera [--lang es|en] COMANDO [opciones]", "Comandos:",
		"  up         desplegar el rango de cada equipo en el motor Docker"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	_, errs, _ := cordilleraIn(t, environ("LANG", "es_CL.UTF-8"), "up", "-h")
	for _, want := range []string{"Uso: cordillera up", "Despliega el rango de cada equipo", "-exercise archivo",
		"archivo de ejercicio que nombra el escenario y sus equipos"} {
		if !strings.Contains(errs, want) {
			t.Errorf("up -h lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "(default") {
		t.Errorf("up -h has the flag package's English default:\n%s", errs)
	}
}

// The English usage stays as it was without LANG.
func TestHelpEnglishUnit(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), &env{stdout: &out, stderr: &out}, nil); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "  validate   check scenario and exercise files; every mistake at once") {
		t.Errorf("help:\n%s", out.String())
	}
}
