#!/usr/bin/env bash
# Incident swarm benchmark: alerts through the whole bot, agents answering at once from a local OpenAI-compatible
# endpoint, so what is measured is GitHubBot's own work; then an alert storm against the intake beside the SDK's
# signal-with-start ceiling, and the history size of an incident with five agents.
# Prints one JSON line per run and Markdown rows for docs/benchmarks.md.
#   bench/incident/run.sh [--runs 5] [--storm 2000] [--fingerprints 20] [--concurrency 16]
exec "$(dirname "${BASH_SOURCE[0]}")/../dotnet-bench.sh" incident IncidentBench "$@"
