#!/usr/bin/env bash
# The embedded default against the cluster shape, on the same machine in the same run:
#   A. SQLite + local disk (the data dir)
#   B. PostgreSQL (throwaway server, tests/postgres.sh) + an S3 server (moto, tests/s3-server.sh)
# For each: the cached `sm` preview through `?token=` (wrk, CONNECTIONS connections, DURATION)
# and the wall time of a 100 MiB upload (curl, REPS runs, median), then the ratio B / A.
#
#   bash bench/backends.sh           (DURATION=10s CONNECTIONS=64 REPS=3 to change)
#
# moto is a Python server that keeps objects in memory: the upload figure of B measures it
# as much as homedisk (a real store on the same machine, Garage or MinIO, is faster).
# Needs wrk, curl, python3 (installs wrk when missing and apt-get is usable).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
reps=${REPS:-3}
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

work=$(mktemp -d /tmp/homedisk-backends.XXXXXX)
chmod 755 "$work"
cleanup() {
  # `kill 0` would signal this whole process group: only a server that was started.
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  [[ -f $work/moto.pid ]] && kill "$(cat "$work/moto.pid")" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

cargo build --release --quiet --bin homedisk
bin=target/release/homedisk
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "wrk $duration, $connections connections; 100 MiB upload x $reps (median)"

# A real 640x480 JPEG for the preview (made by the image crate's encoder in a test helper
# would need a build; python has no JPEG writer, so a PNG it is: the sm thumbnail is JPEG).
python3 - "$work/photo.png" <<'PY'
import random, struct, sys, zlib
w, h = 640, 480
rng = random.Random(7)
rows = b"".join(b"\0" + bytes((x * 3 + y + rng.randrange(24)) % 256 for x in range(w * 3)) for y in range(h))
def chunk(k, d): return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                               + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
head -c $((100 << 20)) /dev/urandom >"$work/big.bin"

eval "$(tests/postgres.sh start "$work/pg")"
pg_server=$HOMEDISK_TEST_DATABASE_URL
unset HOMEDISK_TEST_DATABASE_URL
endpoint=$(tests/s3-server.sh "$work/moto.pid")
python3 -c "import urllib.request as u; u.urlopen(u.Request('$endpoint/bench', method='PUT'))"
psql_url=${pg_server#postgres://}
psql -h 127.0.0.1 -p "${psql_url##*:}" -U homedisk -d postgres -qc "CREATE DATABASE bench"

# run LABEL ENV... : starts homedisk with ENV, measures, prints "LABEL rps p99 upload_s".
run() {
  local label=$1; shift
  local port; port=$(free_port)
  env -i PATH="$PATH" HOMEDISK_DATA_DIR="$work/data-$label" HOMEDISK_BIND="127.0.0.1:$port" \
    HOMEDISK_BCRYPT_COST=4 HOMEDISK_MAX_UPLOAD_BYTES=1GiB RUST_LOG=info "$@" \
    "$bin" >"$work/$label.log" 2>&1 &
  server=$!
  # This function runs in a subshell (`a=$(run …)`): stop its server however it ends.
  trap 'kill "$server" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local base="http://127.0.0.1:$port"
  local token; token=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"benchmark password"}' "$base/api/v1/auth/register" | json '["token"]')
  local item; item=$(curl -fs -H "Authorization: Bearer $token" -F "file=@$work/photo.png;filename=photo.png" "$base/api/v1/files")
  local url; url=$(echo "$item" | json '["items"][0]["preview_url"]')
  for _ in $(seq 100); do curl -fs -o /dev/null "$base$url" && break; sleep 0.1; done
  wrk -t2 -c"$connections" -d"$duration" --latency "$base$url" >"$work/$label.wrk"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$label.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$label.wrk")
  local times=()
  for i in $(seq "$reps"); do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
      -F "file=@$work/big.bin;filename=big-$i.bin" "$base/api/v1/files")")
    # Each run uploads new bytes (no dedup): append one byte for the next.
    printf 'x' >>"$work/big.bin"
  done
  local median; median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "$label $rps $p99 $median"
}

a=$(run sqlite-local)
b=$(run postgres-s3 HOMEDISK_DATABASE_URL="$pg_server/bench" \
  HOMEDISK_SECRET_KEY=bench-key-0123456789abcdef-0123456789abcdef \
  HOMEDISK_STORAGE_URL=s3://bench AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 \
  AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret)

python3 - "$a" "$b" <<'PY'
import sys
rows = [r.split() for r in sys.argv[1:]]
print(f"\n{'setup':16} {'preview req/s':>14} {'p99':>9} {'100 MiB upload':>15}")
for label, rps, p99, up in rows:
    print(f"{label:16} {float(rps):>14,.0f} {p99:>9} {float(up):>13.2f} s")
(_, ra, _, ua), (_, rb, _, ub) = rows
print(f"{'ratio B / A':16} {float(rb) / float(ra):>14.0%} {'':>9} {float(ub) / float(ua):>14.1f}x")
PY
