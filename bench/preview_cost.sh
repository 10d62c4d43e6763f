#!/usr/bin/env bash
# What one cached preview costs the server: CPU (user and system µs, from /proc/PID/stat) and
# heap allocations (a uprobe on glibc's malloc) per request, under wrk's load, for homedisk
# and for the bare actix-web floor (examples/preview_floor.rs). Steadier than req/s on a
# shared 2-core machine, where wrk competes with the server: this is what docs/benchmarks.md's
# per-request tables come from.
#
#   HOMEDISK_BIN=target/release/homedisk bash bench/preview_cost.sh
#
# PERF=1 also records a profile of homedisk (perf record --call-graph dwarf; build with
# `--config profile.release.strip=false` to get names) and prints the top frames.
# Needs: wrk, libvips-tools, curl, python3, perf (linux-perf) for allocations and PERF=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh

duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
port=${PORT:-18134}
bin=${HOMEDISK_BIN:-target/release/homedisk}
floor_bin=${FLOOR_BIN:-target/release/examples/preview_floor}

work=$(mktemp -d /tmp/homedisk-cost.XXXXXX)
cleanup() {
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  [[ -n ${floor:-} ]] && kill "$floor" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

vips gaussnoise "$work/n.v" 1600 1200 --sigma 40 --mean 128
vips copy "$work/n.v" "$work/photo.jpg[Q=90]" --interpretation srgb

homedisk_start "$bin" "$work/data" "$port" "$work/homedisk.log"
token=$(homedisk_register "$port")
preview_url=$(homedisk_upload "$port" "$token" "$work/photo.jpg" preview_url)
for _ in $(seq 100); do curl -fs -o "$work/thumb.jpg" "http://127.0.0.1:$port$preview_url" && break; sleep 0.1; done

floor_port=$((port + 1))
"$floor_bin" "$work/thumb.jpg" "127.0.0.1:$floor_port" log 2>"$work/floor.log" & floor=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$floor_port$preview_url" && break; sleep 0.1; done

# A uprobe on glibc's malloc, added once (it stays until `perf probe -d probe_libc:malloc`).
probe=
if command -v perf >/dev/null; then
  libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ {print $NF; exit}')
  if perf probe -l 2>/dev/null | grep -q probe_libc:malloc || perf probe -q -x "$libc" malloc; then
    probe=probe_libc:malloc
  fi
fi

# cost NAME PID URL: wrk for DURATION s; CPU of PID per answered request, then (a second
# load: the uprobe traps into the kernel on every malloc, which would inflate the CPU figures)
# allocations per request.
cost() {
  local name=$1 pid=$2 url=$3
  wrk -t2 -c"$connections" -d2s "$url" >/dev/null # warm up
  local before after
  before=$(awk '{print $14, $15}' "/proc/$pid/stat")
  wrk -t2 -c"$connections" -d"${duration}s" "$url" >"$work/wrk-$name.txt"
  after=$(awk '{print $14, $15}' "/proc/$pid/stat")
  if [[ -n $probe ]]; then
    perf stat -x, -e "$probe" -p "$pid" -o "$work/perf-$name.txt" -- sleep 5 & stat=$!
    wrk -t2 -c"$connections" -d5s "$url" >"$work/wrk-$name-allocs.txt"
    wait "$stat"
  fi
  python3 - "$name" "$work" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import re, sys
name, work, before, after, tck = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), int(sys.argv[5])
def answered(path):
    return int(re.search(r"(\d+) requests in", open(path).read()).group(1))
text = open(f"{work}/wrk-{name}.txt").read()
n = answered(f"{work}/wrk-{name}.txt")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
user = (int(after[0]) - int(before[0])) / tck / n * 1e6
system = (int(after[1]) - int(before[1])) / tck / n * 1e6
allocs = "-"
try:
    for line in open(f"{work}/perf-{name}.txt"):
        if "malloc" in line:
            allocs = f"{int(line.split(',')[0]) / answered(f'{work}/wrk-{name}-allocs.txt'):.1f}"
except FileNotFoundError:
    pass
print(f"{name:9} {rps:8.0f} req/s   user {user:5.1f} µs   system {system:5.1f} µs   allocations {allocs}")
PY
}

echo "per cached sm preview, wrk -t2 -c$connections -d${duration}s"
cost floor "$floor" "http://127.0.0.1:$floor_port$preview_url"
cost homedisk "$server" "http://127.0.0.1:$port$preview_url"

if [[ -n ${PERF:-} ]]; then
  wrk -t2 -c"$connections" -d"$((duration + 2))s" "http://127.0.0.1:$port$preview_url" >/dev/null & load=$!
  sleep 1
  perf record -q -F 999 --call-graph dwarf,16384 -p "$server" -o "$work/perf.data" -- sleep "$duration"
  wait "$load"
  if [[ -n ${KEEP:-} ]]; then cp "$work/perf.data" "$KEEP"; fi
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -n "${TOP:-40}" || true
fi
