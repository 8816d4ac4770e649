#!/usr/bin/env bash
# Quality-gate benchmark: eight sleep checks (slowest/8 … slowest seconds) through the whole bot, webhook to result.
# Prints one JSON line per run and a Markdown row for docs/benchmarks.md.
#   bench/gate/run.sh [--runs 5] [--slowest 8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
if [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$shared/tools/temporal/path" ]; then
  TEMPORAL_CLI_PATH="$("$shared/tools/temporal/path")"; export TEMPORAL_CLI_PATH
fi
out="$root/bench/results"; mkdir -p "$out"
stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
dotnet run -c Release --project "$root/bench/GateBench" -- "$@" | tee "$out/gate-$stamp.txt"
