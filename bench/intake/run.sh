#!/usr/bin/env bash
# Webhook-intake benchmark: signed pull_request.opened deliveries on loopback at fixed concurrency against
# `ghbot serve` (inbox mode, the default: 202 once the delivery is fsync'd in DataDir/inbox.db; embedded Temporal),
# and the Probot peer from ../shared/bench with the same load generator and the same warm-up in the same run. Prints
# one JSON line per run and a Markdown table for docs/benchmarks.md, then the drain (time until every accepted
# delivery is a workflow, next to the SDK ceiling) and serve's RSS idle and under load.
#   bench/intake/run.sh [--n 2000] [--c 16] [--warmup 2000] [--skip-probot] [--durability wal|full] [--mode inbox|direct]
# The SDK row is the ceiling: the same server configuration started by a bare SDK client with no HTTP in front.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="$root/../shared"
n=2000 c=16 warmup=2000 probot=1 durability=wal mode=inbox
while [ $# -gt 0 ]; do
  case "$1" in
    --n) n="$2"; shift 2 ;;
    --c) c="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --skip-probot) probot=0; shift ;;
    --durability) durability="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [ -z "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$shared/tools/temporal/path" ]; then
  TEMPORAL_CLI_PATH="$("$shared/tools/temporal/path")"; export TEMPORAL_CLI_PATH
fi
load="$shared/bench/webhook-load/load.mjs"
payload="$root/tests/fixtures/github-webhooks/pull_request.opened.json"
work="$(mktemp -d /tmp/ghbot-bench.XXXXXX)"
out="$root/bench/results"; mkdir -p "$out"
stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
results="$out/intake-$stamp.jsonl"
pids=()
# Each server runs in a session (and process group) of its own, started by setsid: stopping it stops the group, so
# npx's node child and serve's embedded Temporal go with them.
stop_group() { kill -TERM -- "-$1" 2>/dev/null || kill -TERM "$1" 2>/dev/null || true; }
cleanup() { for p in "${pids[@]}"; do stop_group "$p"; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# The RSS of a process sampled every 100 ms until stop_sampling, which prints the peak (KiB).
sample_rss() { touch "$work/sampling"; ( peak=0; while [ -e "$work/sampling" ]; do r="$(rss_kib "$1")"; [ "${r:-0}" -gt "$peak" ] && peak="$r"; echo "$peak" >"$work/peak"; sleep 0.1; done ) & }
stop_sampling() { rm -f "$work/sampling"; sleep 0.3; cat "$work/peak"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; return 1; }
record() { # name, json line
  echo "$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);r.name=process.argv[1];console.log(JSON.stringify(r));})' "$1" | tee -a "$results"
}

echo "building ghbot (Release, ReadyToRun: as it is deployed)..." >&2
dotnet publish "$root/src/GitHubBot.App/GitHubBot.App.csproj" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$work/ghbot" --nologo -v quiet >&2

echo "measuring the start ceiling (SDK client, no HTTP)..." >&2
dotnet build "$root/bench/StartCeiling/StartCeiling.csproj" -c Release --nologo -v quiet >&2
record "SDK StartWorkflow only (embedded Temporal, $durability) unique" \
  "$(dotnet run -c Release --no-build --project "$root/bench/StartCeiling/StartCeiling.csproj" -- "$n" "$c" "$durability" | tail -n 1)"

port="$(free_port)"; tport="$(free_port)"
(cd "$work/ghbot" && DataDir="$work/data" Temporal__EmbeddedPort="$tport" Temporal__EmbeddedUi=false \
  Temporal__EmbeddedDurability="$durability" Worker__Enabled=false GitHub__WebhookSecret=s Intake__Mode="$mode" \
  Logging__LogLevel__Default=Warning exec setsid dotnet ghbot.dll serve --urls "http://127.0.0.1:$port" >"$work/ghbot.log" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"
url="http://127.0.0.1:$port/api/github/webhooks"
serve_pid="$(pgrep -f "ghbot.dll serve --urls http://127.0.0.1:$port" | head -n 1)"
depth() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^ghbot_inbox_depth /{print $2}'; }
sleep 2; idle_rss="$(rss_kib "$serve_pid")"
sample_rss "$serve_pid"
t0="$(date +%s.%N)"
record "ghbot serve ($mode, embedded Temporal, $durability) unique" "$(node "$load" --url "$url" --secret s --payload "$payload" --n "$n" --c "$c" --warmup "$warmup" --mode unique)"
acked="$(date +%s.%N)"
if [ "$mode" = inbox ]; then
  # The drain: until every accepted delivery (warm-up included) is a started workflow.
  while [ "$(depth)" != "0" ]; do sleep 0.1; done
  drained="$(date +%s.%N)"
  record "drain" "$(node -e 'const [t0,a,d,n]=process.argv.slice(1).map(Number);console.log(JSON.stringify({deliveries:n,acked_s:+(a-t0).toFixed(2),all_workflows_s:+(d-t0).toFixed(2),after_load_s:+(d-a).toFixed(2),workflows_per_s:+(n/(d-t0)).toFixed(1)}))' "$t0" "$acked" "$drained" "$((n + warmup))")"
fi
record "ghbot serve ($mode, embedded Temporal, $durability) same" "$(node "$load" --url "$url" --secret s --payload "$payload" --n "$n" --c "$c" --warmup "$warmup" --mode same)"
record "rss ghbot" "{\"idle_mib\":$((idle_rss / 1024)),\"peak_under_load_mib\":$(( $(stop_sampling) / 1024 ))}"
stop_group "${pids[-1]}"; wait "${pids[-1]}" || true

if [ "$probot" = 1 ]; then
  echo "installing the Probot peer..." >&2
  cp -r "$shared/bench/probot-baseline" "$work/probot" && chmod -R u+w "$work/probot"
  (cd "$work/probot" && npm ci --silent --no-audit --no-fund >&2 && openssl genrsa -out key.pem 2048 2>/dev/null)
  pport="$(free_port)"
  (cd "$work/probot" && APP_ID=1 PRIVATE_KEY_PATH=key.pem WEBHOOK_SECRET=s PORT="$pport" LOG_LEVEL=warn exec setsid npx probot run ./index.js >"$work/probot.log" 2>&1) &
  pids+=($!)
  wait_http "http://127.0.0.1:$pport/"
  purl="http://127.0.0.1:$pport/api/github/webhooks"
  # npx starts npm, which starts node to run probot: the server is the process listening on the port.
  probot_pid="$(ss -ltnpH "sport = :$pport" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
  sleep 2; probot_idle="$(rss_kib "$probot_pid")"
  sample_rss "$probot_pid"
  record "Probot 14 (in-memory ack) unique" "$(node "$load" --url "$purl" --secret s --payload "$payload" --n "$n" --c "$c" --warmup "$warmup" --mode unique)"
  record "Probot 14 (in-memory ack) same" "$(node "$load" --url "$purl" --secret s --payload "$payload" --n "$n" --c "$c" --warmup "$warmup" --mode same)"
  record "rss probot" "{\"idle_mib\":$((probot_idle / 1024)),\"peak_under_load_mib\":$(( $(stop_sampling) / 1024 ))}"
fi

echo >&2
echo "| what | mode | n / c | req/s | p50 ms | p99 ms | statuses |"
echo "|---|---|---|---|---|---|---|"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
for (const r of rows) {
  if (r.name === "drain" || r.name.startsWith("rss")) continue;
  const [what, mode] = [r.name.replace(/ (unique|same)$/, ""), r.name.match(/(unique|same)$/)[1]];
  if (what.startsWith("SDK")) { console.log(`| ${what} | ${mode} | ${r.n} / ${r.c} | ${r.rps} | ${r.p50} | ${r.p99} | (no HTTP) |`); continue; }
  console.log(`| ${what} | ${mode} | ${r.n} / ${r.c} | ${r.rps} | ${r.p50} | ${r.p99} | ${JSON.stringify(r.statuses)} |`);
}' "$results"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const d = rows.find((r) => r.name === "drain"), m = rows.find((r) => r.name === "rss ghbot"), p = rows.find((r) => r.name === "rss probot"), sdk = rows.find((r) => r.name.startsWith("SDK"));
if (d) console.log(`\nDrain: ${d.deliveries} accepted deliveries all 202 after ${d.acked_s} s, all workflows after ${d.all_workflows_s} s (${d.after_load_s} s after the load): ${d.workflows_per_s} workflows/s; the SDK ceiling: ${sdk ? sdk.rps : "-"} starts/s.`);
if (m) console.log(`RSS of serve (embedded Temporal not included): ${m.idle_mib} MiB idle, ${m.peak_under_load_mib} MiB at most under load.`);
if (p) console.log(`RSS of Probot: ${p.idle_mib} MiB idle, ${p.peak_under_load_mib} MiB at most under load.`);
' "$results"
echo "results: $results" >&2
