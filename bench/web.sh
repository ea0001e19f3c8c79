#!/usr/bin/env bash
# Web benchmark: requests per second of the scoreboard page and its JSON
# under wrk, against `cordillera serve` on 127.0.0.1 with a seeded database
# (100 teams; 10^5 ledger entries by default). A static file is measured in
# the same run as the baseline the ratios are taken against. See
# docs/performance.md.
#
#   bench/web.sh
#   BENCH_WEB_ENTRIES=1000000 BENCH_WEB_DURATION=30s BENCH_WEB_CONNECTIONS=64 bench/web.sh
#
# Needs wrk (Debian: apt-get install wrk). Sends traffic to 127.0.0.1 only,
# and stops the server it started on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${BENCH_WEB_ENTRIES:-100000}
DURATION=${BENCH_WEB_DURATION:-10s}
CONNECTIONS=${BENCH_WEB_CONNECTIONS:-16}
PORT=${BENCH_WEB_PORT:-18080}
BIN=${BENCH_BIN:-${TMPDIR:-/tmp}/cordillera-bench}
ADDR=127.0.0.1:$PORT

command -v wrk >/dev/null || { echo "web.sh: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$BIN"
work=$(mktemp -d)
server=""
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building cordillera and seeddb into $BIN"
go build -o "$BIN/cordillera" ./cmd/cordillera
go build -o "$BIN/seeddb" ./bench/cmd/seeddb

echo "== seeding 100 teams, $ENTRIES ledger entries"
"$BIN/seeddb" -db "$work/web.db" -entries "$ENTRIES"

if curl -s -o /dev/null "http://$ADDR/"; then
	echo "web.sh: something already listens on $ADDR; set BENCH_WEB_PORT" >&2
	exit 1
fi
echo "== cordillera serve on $ADDR"
"$BIN/cordillera" serve --db "$work/web.db" --listen "$ADDR" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://$ADDR/scoreboard/bench" && break
	sleep 0.2
done
curl -sf -o /dev/null "http://$ADDR/scoreboard/bench" || { cat "$work/serve.log"; echo "web.sh: the server did not answer" >&2; exit 1; }

# One wrk run per path, one after the other: requests/s, latency p50 and p99.
declare -A rps
printf '\n| path | bytes | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|\n' >"$work/table"
for path in /static/app.css /scoreboard/bench /api/v1/exercises/bench/standings; do
	echo "== wrk -t2 -c$CONNECTIONS -d$DURATION $path"
	bytes=$(curl -sf "http://$ADDR$path" | wc -c)
	out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://$ADDR$path")
	echo "$out" | sed 's/^/   /'
	r=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {printf "%s ", $0}')
	rps[$path]=$r
	printf '| `%s` | %s | %s | %s | %s | %s |\n' "$path" "$bytes" "$r" "$p50" "$p99" "${errs:-none}" >>"$work/table"
done
cat "$work/table"
echo
for path in /scoreboard/bench /api/v1/exercises/bench/standings; do
	awk -v a="${rps[$path]}" -v b="${rps[/static/app.css]}" -v p="$path" 'BEGIN {printf "%s: %.3f of the static file'"'"'s requests/s\n", p, a / b}'
done
echo "machine: $(nproc) cores; wrk and the server share them. $(date -u +%Y-%m-%dT%H:%MZ)"
