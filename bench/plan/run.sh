#!/usr/bin/env bash
# Plan → patch → PR benchmark: labelled issues through the whole bot, agents answering at once from a local
# OpenAI-compatible endpoint, so what is measured is GitHubBot's own orchestration (Temporal, git, the gate, GitHub calls).
# Prints one JSON line per run and a Markdown row for docs/benchmarks.md.
#   bench/plan/run.sh [--runs 5] [--sub-issues 4]
exec "$(dirname "${BASH_SOURCE[0]}")/../dotnet-bench.sh" plan PlanBench "$@"
