#!/usr/bin/env bash
# Shared by bench/gate/run.sh and bench/plan/run.sh: runs a benchmark project in Release with the Temporal CLI from
# ../shared when it is there (else the SDK downloads one), and keeps its output in bench/results/NAME-STAMP.txt.
#   bench/dotnet-bench.sh NAME PROJECT [benchmark options…]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="$1" project="$2"; shift 2
shared="$root/../shared"
if [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$shared/tools/temporal/path" ]; then
  TEMPORAL_CLI_PATH="$("$shared/tools/temporal/path")"; export TEMPORAL_CLI_PATH
fi
out="$root/bench/results"; mkdir -p "$out"
stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
dotnet run -c Release --project "$root/bench/$project" -- "$@" | tee "$out/$name-$stamp.txt"
