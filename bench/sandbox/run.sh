#!/usr/bin/env bash
# What the sandbox costs each command: N runs of `sh -c true` unconfined (the ceiling), then in the sandbox exactly
# as a root worker builds it (prlimit + bubblewrap + setpriv, without and with slirp4netns's network).
# Usage: bench/sandbox/run.sh [N]   (as root, with bubblewrap and slirp4netns installed)
set -euo pipefail
n="${1:-100}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ws/home/tmp"; chown -R 200999:200999 "$work/ws"
sandbox=(prlimit --cpu=3600 --data=4294967296 --nproc=2048 --fsize=4294967296 --nofile=8192 --core=0 --
  bwrap --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try --die-with-parent --new-session
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc
  --proc /proc --dev /dev --tmpfs /tmp --bind "$work/ws" "$work/ws" --setenv HOME "$work/ws/home" --
  setpriv --reuid 200999 --regid 200999 --clear-groups --no-new-privs --inh-caps -all --bounding-set -all --)
ms() { python3 -c "import sys; print(f'{(float(sys.argv[2]) - float(sys.argv[1])) * 1000 / $n:.1f}')" "$@"; }

cd "$work/ws"
t0=$(date +%s.%N); for _ in $(seq "$n"); do sh -c true; done; t1=$(date +%s.%N)
for _ in $(seq "$n"); do "${sandbox[@]}" sh -c true; done; t2=$(date +%s.%N)
for _ in $(seq "$n"); do
  "${sandbox[@]}" sh -c 'until grep -q "^tap0" /proc/net/route; do sleep 0.005; done' &
  pid=$!
  child=""; until [ -n "$child" ]; do child=$(awk -v p="$pid" '$4==p{print $1}' /proc/[0-9]*/stat 2>/dev/null | head -1); done
  slirp4netns --configure --mtu=65520 --disable-host-loopback --netns-type=path "/proc/$child/ns/net" tap0 >/dev/null 2>&1 &
  slirp=$!; wait "$pid"; kill "$slirp" 2>/dev/null || true; wait "$slirp" 2>/dev/null || true
done; t3=$(date +%s.%N)
echo "per command, mean of $n on $(nproc) cores, $(date -u +%F):"
echo "  unconfined sh -c true            $(ms "$t0" "$t1") ms  (ceiling)"
echo "  sandboxed, no network            $(ms "$t1" "$t2") ms"
echo "  sandboxed, with outside network  $(ms "$t2" "$t3") ms"
