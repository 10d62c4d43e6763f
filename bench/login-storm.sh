#!/usr/bin/env bash
# Does a storm of logins starve everything else? Cached `sm` previews and /healthz, measured
# idle and then while 30 clients log in as fast as they can at bcrypt cost 12, three times in
# the same run: with homedisk's default pool of password hashers (cores - 1), with as many
# hashers as cores, and with 256 (every login hashing at once: how homedisk behaved before the
# pool, when bcrypt ran on the general blocking pool).
#
#   bash bench/login-storm.sh        (DURATION=10s STORM=30 PREVIEW_CONNECTIONS=16 to change)
#
# Needs (Debian): wrk curl python3; installs wrk when missing and apt-get is usable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${DURATION:-10s}
storm=${STORM:-30}
connections=${PREVIEW_CONNECTIONS:-16}
port=${PORT:-18134}
cores=$(nproc)

command -v wrk >/dev/null || {
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}

work=$(mktemp -d /tmp/homedisk-storm.XXXXXX)
cleanup() {
  for pid in "${server:-}" "${storm_pid:-}"; do [[ -n $pid ]] && kill "$pid" 2>/dev/null; done; true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin homedisk
bin=target/release/homedisk
echo "machine: $cores cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"

# A 640×480 noisy RGB PNG to preview (python's standard library only).
python3 - "$work/photo.png" <<'EOF'
import random, struct, sys, zlib
w, h = 640, 480
rnd = random.Random(7)
raw = b"".join(b"\0" + bytes(rnd.randrange(256) for _ in range(w * 3)) for _ in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF

# p50 and p99 (ms) of a wrk run: `wrk … --latency` prints them in its distribution table.
percentiles() {
  awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2}
       function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
       END { printf "p50 %7.2f ms  p99 %7.2f ms  %8.0f req/s", ms(p50), ms(p99), rps }'
}

run() {
  local hashers=$1
  rm -rf "$work/data"
  HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=12 \
    HOMEDISK_PASSWORD_HASHERS="$hashers" HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE=10000 RUST_LOG=warn \
    "$bin" >"$work/homedisk.log" 2>&1 & server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local token item preview
  token=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"storm","password":"benchmark password"}' \
    "http://127.0.0.1:$port/api/v1/auth/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  item=$(curl -fs -H "Authorization: Bearer $token" -F "file=@$work/photo.png;filename=photo.png" \
    "http://127.0.0.1:$port/api/v1/files")
  preview=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["items"][0]["preview_url"])' "$item")
  curl -fs -o /dev/null "http://127.0.0.1:$port$preview" # the thumbnail is cached from here on

  cat >"$work/login.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"storm","password":"benchmark password"}'
statuses = {}
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
done = function() end
EOF
  echo "== password hashers: $hashers ($cores cores)"
  printf '  idle   preview  %s\n' "$(wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$preview" | percentiles)"
  printf '  idle   healthz  %s\n' "$(wrk -t1 -c4 -d"$duration" --latency "http://127.0.0.1:$port/healthz" | percentiles)"
  local storm_time=$(( ${duration%s} * 2 + 6 ))s
  wrk -t2 -c"$storm" -d"$storm_time" --timeout 30s --latency -s "$work/login.lua" "http://127.0.0.1:$port/api/v1/auth/login" >"$work/storm.txt" & storm_pid=$!
  sleep 3
  printf '  storm  preview  %s\n' "$(wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$preview" | percentiles)"
  printf '  storm  healthz  %s\n' "$(wrk -t1 -c4 -d"$duration" --latency "http://127.0.0.1:$port/healthz" | percentiles)"
  wait "$storm_pid" || true
  printf '  logins          %s (%s)\n' "$(percentiles <"$work/storm.txt")" \
    "$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' "$work/storm.txt" || echo 'all 200')"
  kill "$server"; wait "$server" 2>/dev/null || true
}

run "$(( cores > 1 ? cores - 1 : 1 ))"
run "$cores"
run 256
