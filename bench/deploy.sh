#!/usr/bin/env bash
# Deployment benchmark: N teams x 5 hosts (bench/scenario) with `cordillera up`
# against the same containers with `docker compose up -d`, and the teardowns.
# See docs/performance.md.
#
#   bench/deploy.sh                    # 1, 5 and 10 teams, one run each
#   BENCH_FULL=1 bench/deploy.sh       # 1, 5, 10 and 20 teams
#   BENCH_TEAMS=2,4 BENCH_REPEAT=3 bench/deploy.sh
#   COMPOSE="docker-compose" bench/deploy.sh   # another compose command
#
# Touches only containers and networks named cordillera-bench-deploy-*, and
# removes them on the way out, on failure and on Ctrl-C too.
set -euo pipefail
cd "$(dirname "$0")/.."

TEAMS=${BENCH_TEAMS:-1,5,10}
if [ -n "${BENCH_FULL:-}" ] && [ -z "${BENCH_TEAMS:-}" ]; then TEAMS=1,5,10,20; fi
REPEAT=${BENCH_REPEAT:-1}
BIN=${BENCH_BIN:-${TMPDIR:-/tmp}/cordillera-bench}
COMPOSE_VERSION=${COMPOSE_VERSION:-v2.40.3}
PREFIX=cordillera-bench-deploy-
mkdir -p "$BIN"

cleanup() {
	local cs ns
	cs=$(docker ps -aq --filter "name=$PREFIX" 2>/dev/null || true)
	if [ -n "$cs" ]; then echo "deploy.sh: removing leftover containers"; docker rm -f $cs >/dev/null || true; fi
	ns=$(docker network ls -q --filter "name=$PREFIX" 2>/dev/null || true)
	if [ -n "$ns" ]; then echo "deploy.sh: removing leftover networks"; docker network rm $ns >/dev/null || true; fi
}
trap cleanup EXIT

echo "== building cordillera (with its agent) and deploybench into $BIN"
make agent
go build -o "$BIN/cordillera" ./cmd/cordillera
go build -o "$BIN/deploybench" ./bench/cmd/deploybench

echo "== images: cordillera/target-plc:1 and cordillera/scorebot:1"
if ! docker image inspect cordillera/target-plc:1 cordillera/scorebot:1 >/dev/null 2>&1; then
	"$BIN/cordillera" images bootstrap
	"$BIN/cordillera" images build target-plc scorebot
fi

# Compose v2 if there is one; else build it from the Go module proxy (a few
# minutes, once); else the installed docker-compose, whatever its version.
echo "== compose"
if [ -z "${COMPOSE:-}" ]; then
	if docker compose version >/dev/null 2>&1; then
		COMPOSE="docker compose"
	elif [ -x "$BIN/docker-compose" ]; then
		COMPOSE="$BIN/docker-compose"
	else
		echo "no Compose v2: building github.com/docker/compose/v2 $COMPOSE_VERSION"
		src=$(mktemp -d)
		if dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p') &&
			cp -r "$dir/." "$src" && chmod -R u+w "$src" &&
			(cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath \
				-ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$BIN/docker-compose" ./cmd); then
			COMPOSE="$BIN/docker-compose"
		elif command -v docker-compose >/dev/null; then
			echo "WARNING: could not build Compose v2; using $(docker-compose version --short) instead"
			COMPOSE=docker-compose
		else
			echo "no compose at all" >&2
			exit 1
		fi
		rm -rf "$src"
	fi
fi
echo "using: $COMPOSE ($($COMPOSE version --short 2>/dev/null || echo '?'))"

echo "== deploying $TEAMS teams, $REPEAT run(s) each"
"$BIN/deploybench" -teams "$TEAMS" -repeat "$REPEAT" -cordillera "$BIN/cordillera" -compose "$COMPOSE" \
	-log "$BIN/deploybench.log" -json "$BIN/deploybench.json"
