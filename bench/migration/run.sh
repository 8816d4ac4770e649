#!/usr/bin/env bash
# Code migration benchmark: a 20-step plan through the whole bot (agents answering at once from a local
# OpenAI-compatible endpoint, every step's check `true`), so what is measured is GitHubBot's own overhead per step,
# beside plain git doing the same commit and push; pause → resume latency beside a bare signal round trip; and the
# analysis of a generated 5 000-file repository beside `git grep` over the same tree.
# Prints one JSON line per run and Markdown rows for docs/benchmarks.md.
#   bench/migration/run.sh [--runs 3] [--steps 20] [--files 5000]
exec "$(dirname "${BASH_SOURCE[0]}")/../dotnet-bench.sh" migration MigrationBench "$@"
