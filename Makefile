# Cordillera's everyday commands. `make demo` is the main job, `make test`
# what CI runs.

GO      ?= go
BIN     := bin/cordillera
# A static binary runs in a FROM scratch image; sqlite needs cgo, so the C
# library is linked in statically too.
STATIC  := CGO_ENABLED=1 $(GO) build -trimpath -tags 'osusergo netgo sqlite_omit_load_extension' \
           -ldflags '-s -w -linkmode external -extldflags "-static"'

.PHONY: build demo test lint fuzz bench image images clean

build:
	$(GO) build -o $(BIN) ./cmd/cordillera

# The main job: the demo exercise, a team from Chile and one from Colombia
# defending the water utility, run whole at 60 times real speed on a fresh
# SQLite file, then torn down. The first run builds the images (about 15
# minutes on two cores); later runs take about three minutes.
DEMO_DB ?= cordillera-demo.db
demo: build
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
	$(GO) test -race -count=1 -timeout 80m ./...

# A short run of every fuzz target; FUZZTIME=10m for a longer one.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzLoadScenario$$' -fuzztime $(FUZZTIME)
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzLoadExercise$$' -fuzztime $(FUZZTIME)

# The Debian base image (root and debootstrap needed) and the drills' images.
images: build
	$(BIN) images bootstrap
	$(BIN) images build

bench:
	$(GO) test ./scoreboard -run '^$$' -bench . -benchtime 200x

image:
	$(STATIC) -o bin/cordillera-static ./cmd/cordillera
	docker build -f cmd/cordillera/Dockerfile -t cordillera/cordillera:dev .

clean:
	rm -rf bin
