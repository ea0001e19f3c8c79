#!/usr/bin/env bash
# Scorebot benchmark: N teams x H hosts deployed once, then the exercise run
# for a few real-time 10-s rounds with S checked services per host (half
# tcp, half http), once per S, every check run by the team's agent; whether
# every round finishes within its length and how soon after it fell due,
# checks per second against the raw loopback connect rate, and the CPU and
# memory of cordillera, dockerd, containerd and the agents meanwhile. See
# docs/performance.md.
#
#   bench/scorebot.sh                                  # 20 teams x 5 hosts, S = 10,50,100,200
#   BENCH_TEAMS=100 BENCH_HOSTS=1 BENCH_SERVICES=2 BENCH_ROUNDS=3 bench/scorebot.sh   # 100 agents
#
# Touches only the exercise bench-scorebot, and tears it down on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-${TMPDIR:-/tmp}/cordillera-bench}
mkdir -p "$BIN"

echo "== building cordillera (with its agent) and scorebench into $BIN"
make agent
go build -o "$BIN/cordillera" ./cmd/cordillera
go build -o "$BIN/scorebench" ./bench/cmd/scorebench

echo "== image: cordillera/scorebot:1 (scorebench builds the hosts' own)"
if ! docker image inspect cordillera/scorebot:1 >/dev/null 2>&1; then
	"$BIN/cordillera" images bootstrap
	"$BIN/cordillera" images build scorebot
fi

"$BIN/scorebench" -cordillera "$BIN/cordillera" -teams "${BENCH_TEAMS:-20}" -hosts "${BENCH_HOSTS:-5}" \
	-services "${BENCH_SERVICES:-10,50,100,200}" -rounds "${BENCH_ROUNDS:-5}" -round "${BENCH_ROUND:-10s}" -log "$BIN/scorebench.log" -json "$BIN/scorebench.json"
