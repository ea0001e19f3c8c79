#!/usr/bin/env bash
# Scorebot benchmark: N teams x 5 hosts deployed once, then the exercise run
# for a few real-time rounds with S checked services per host, once per S;
# whether every round finishes within its length, checks per second, and
# the CPU and memory of cordillera, dockerd and containerd meanwhile. See
# docs/performance.md.
#
#   bench/scorebot.sh                                  # 20 teams, S = 1,2,4,8
#   BENCH_TEAMS=10 BENCH_SERVICES=1,4,16 BENCH_ROUNDS=4 bench/scorebot.sh
#
# Touches only the exercise bench-scorebot, and tears it down on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-${TMPDIR:-/tmp}/cordillera-bench}
mkdir -p "$BIN"

echo "== building cordillera and scorebench into $BIN"
go build -o "$BIN/cordillera" ./cmd/cordillera
go build -o "$BIN/scorebench" ./bench/cmd/scorebench

echo "== images: cordillera/target-plc:1 and cordillera/scorebot:1"
if ! docker image inspect cordillera/target-plc:1 cordillera/scorebot:1 >/dev/null 2>&1; then
	"$BIN/cordillera" images bootstrap
	"$BIN/cordillera" images build target-plc scorebot
fi

"$BIN/scorebench" -cordillera "$BIN/cordillera" -teams "${BENCH_TEAMS:-20}" -services "${BENCH_SERVICES:-1,2,4,8}" \
	-rounds "${BENCH_ROUNDS:-5}" -log "$BIN/scorebench.log" -json "$BIN/scorebench.json"
