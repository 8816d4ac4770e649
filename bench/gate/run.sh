#!/usr/bin/env bash
# Quality-gate benchmark: eight sleep checks (slowest/8 … slowest seconds) through the whole bot, webhook to result.
# Prints one JSON line per run and a Markdown row for docs/benchmarks.md.
#   bench/gate/run.sh [--runs 5] [--slowest 8]
# With --toolchains [--ecosystem dotnet|node|python]: the eight detected checks on the tests' .NET, Node and Python
# fixtures with the real toolchains, cold and warm, beside each gate's slowest check and the sum of its checks.
exec "$(dirname "${BASH_SOURCE[0]}")/../dotnet-bench.sh" gate GateBench "$@"
