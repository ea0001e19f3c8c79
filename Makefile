# Cordillera's everyday commands. `make demo` is the main job, `make test`
# what CI runs.

GO      ?= go
BIN     := bin/cordillera
# A static binary runs in a FROM scratch image; sqlite needs cgo, so the C
# library is linked in statically too.
STATIC  := CGO_ENABLED=1 $(GO) build -trimpath -tags 'osusergo netgo sqlite_omit_load_extension' \
           -ldflags '-s -w -linkmode external -extldflags "-static"'

.PHONY: deps build agent demo demo-down demo-headless test lint fuzz bench bench-scoreboard bench-live bench-web bench-deploy bench-scorebot browser image images clean faults

# Cordillera carries its agent: the agent is built first, then embedded.
build: agent
	$(GO) build -o $(BIN) ./cmd/cordillera

# The agent that runs checks inside each team's scorebot: static, standard
# library only, so that it runs in any image Cordillera puts it in. It goes
# where cordillera embeds it from (orchestrator/agent/embedded).
AGENT := orchestrator/agent/embedded/cordillera-agent
agent:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(AGENT) ./cmd/cordillera-agent

# What the demo needs from Debian's packages, installed when missing (and
# said first): debootstrap builds the Debian base image, and the pages use
# Debian's xterm.js and Chart.js. `make demo` runs it; so does CI.
deps:
	@missing=""; \
	command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing="$$missing debootstrap"; \
	[ -f /usr/share/javascript/xterm/xterm.js ] || missing="$$missing libjs-xterm"; \
	[ -d /usr/share/nodejs/xterm/lib ] || missing="$$missing node-xterm"; \
	[ -d /usr/share/javascript/chart.js ] || missing="$$missing libjs-chart.js"; \
	if [ -z "$$missing" ]; then echo "Debian packages the demo needs: all installed (debootstrap libjs-xterm node-xterm libjs-chart.js)."; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "Cordillera needs these Debian packages:$$missing. This machine has no apt-get: install them (or their equivalents) by hand, then run make again." >&2; exit 1; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	echo "Installing from Debian's packages:$$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing

# The main job: the demo exercise in the browser. A team from Chile and one
# from Colombia defend the water utility; its two hours run at DEMO_SPEED
# times real speed (12 minutes at 10) on a fresh SQLite file. The command
# prints the address, the demo accounts and the teams' join codes, serves
# at once, and deploys the ranges and starts the clock in the background.
# The first run builds the images (about 15 minutes on two cores). Ctrl-C
# stops it; `make demo-down` removes the ranges.
DEMO_DB     ?= cordillera-demo.db
DEMO_SPEED  ?= 10
DEMO_LISTEN ?= 127.0.0.1:8080
demo: deps build
	$(BIN) validate scenarios/library scenarios/exercises
	$(BIN) images bootstrap
	$(BIN) images build
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN) serve --demo --exercise scenarios/exercises/andes-demo.hcl --db $(DEMO_DB) \
	  --start --speed $(DEMO_SPEED) --listen $(DEMO_LISTEN)

demo-down: build
	$(BIN) down andes-demo

# The same demo headless, in the terminal: run whole at 60 times real
# speed, then torn down, with the final standings printed.
demo-headless: deps build
	$(BIN) validate scenarios/library scenarios/exercises
	$(BIN) images bootstrap
	$(BIN) images build
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN) run --exercise scenarios/exercises/andes-demo.hcl --db $(DEMO_DB) --speed 60 --view lines --down
	$(BIN) export --db $(DEMO_DB) --exercise andes-demo --what standings

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# On a machine that has none of the drills' images yet, the range tests
# build them first (about 17 minutes on two cores); the drill-fidelity test
# then runs every bundled drill whole (about 25 minutes). Hence the long
# timeout.
test: lint build
	$(BIN) fmt --check scenarios/library scenarios/exercises
	$(BIN) validate scenarios/library scenarios/exercises
	@# The drill-fidelity test runs whole drills at up to 60 times real
	@# speed while checks and attacks keep their real-time timeouts: it runs
	@# alone first, so that the other packages' ranges and browsers do not
	@# starve it; then every other package.
	$(GO) test -race -count=1 -timeout 60m ./orchestrator/docker
	$(GO) test -race -count=1 -timeout 40m $$($(GO) list ./... | grep -v '/orchestrator/docker$$')

# The browser tests alone: Debian's Chromium walks the web interface against
# a range on the Docker engine; screenshots go to .artifacts/screenshots (or
# $CORDILLERA_ARTIFACTS/screenshots). They fail, not skip, without Chromium.
browser:
	CORDILLERA_REQUIRE_BROWSER=1 $(GO) test -count=1 -v -timeout 15m ./web/browser/

# The fault tests alone (docs/reliability.md): Cordillera killed during a
# deploy, an attack and a round, a team's container killed, the Docker
# engine away for a while, and SQLite under concurrent writers and readers.
# They are part of `make test` too; about eight minutes on two busy cores.
faults:
	$(GO) test -race -count=1 -v -timeout 30m -run '^(TestFault.*|TestRunSurvivesAKill)$$' ./cmd/cordillera
	$(GO) test -race -count=1 -v -timeout 10m -run '^(TestFault.*|TestConcurrentWriters|TestCrash.*)$$' ./scoreboard

# A short run of every fuzz target; FUZZTIME=10m for a longer one.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzLoadScenario$$' -fuzztime $(FUZZTIME)
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzLoadExercise$$' -fuzztime $(FUZZTIME)
	$(GO) test ./web -run '^$$' -fuzz '^FuzzJSONEndpoints$$' -fuzztime $(FUZZTIME)
	$(GO) test ./web -run '^$$' -fuzz '^FuzzForms$$' -fuzztime $(FUZZTIME)

# The Debian base image (root and debootstrap needed) and the drills' images.
images: deps build
	$(BIN) images bootstrap
	$(BIN) images build

# Benchmarks; docs/performance.md gives the method and the figures. `make
# bench` runs every part with a short default (about 35 minutes on two busy
# cores once the images exist); each part runs alone too. BENCH_FULL=1 adds 20 teams to the
# deployment benchmark; bench/*.sh list their other settings.
bench: bench-scoreboard bench-live bench-web bench-deploy bench-scorebot

bench-scoreboard:
	$(GO) test ./scoreboard -run '^$$' -bench . -benchtime 200x

bench-live:
	$(GO) test ./web -run '^$$' -bench '^BenchmarkLiveViewers$$' -benchtime 20x

bench-web:
	bench/web.sh

# Builds cordillera/target-plc:1 and cordillera/scorebot:1 first if missing,
# and Compose v2 from the Go module proxy if the machine has none.
bench-deploy:
	bench/deploy.sh

# The scorebot's capacity: 20 teams deployed once, then 5 real-time rounds
# with 1, 2, 4 and 8 checked services per host (about 20 minutes).
bench-scorebot:
	bench/scorebot.sh

image: agent
	$(STATIC) -o bin/cordillera-static ./cmd/cordillera
	docker build -f cmd/cordillera/Dockerfile -t cordillera/cordillera:dev .

clean:
	rm -rf bin
