#!/usr/bin/env bash
# Plan → patch → PR benchmark: labelled issues through the whole bot, agents answering at once from a local
# OpenAI-compatible endpoint, so what is measured is GitHubBot's own orchestration (Temporal, git, the gate, GitHub calls).
# Prints one JSON line per run and a Markdown row for docs/benchmarks.md.
#   bench/plan/run.sh [--runs 5] [--sub-issues 4]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
if [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$shared/tools/temporal/path" ]; then
  TEMPORAL_CLI_PATH="$("$shared/tools/temporal/path")"; export TEMPORAL_CLI_PATH
fi
out="$root/bench/results"; mkdir -p "$out"
stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
dotnet run -c Release --project "$root/bench/PlanBench" -- "$@" | tee "$out/plan-$stamp.txt"
