#!/usr/bin/env bash
# Upload throughput and server memory for one large file, on loopback.
#
#   bash bench/upload.sh [SIZE_MIB]      (default 1024 = 1 GiB)
#
# Builds the release binary, starts it on a fresh data dir in /tmp, uploads one file of
# random bytes with curl (multipart, as a client would), and reports: wall time, MiB/s, the
# server's peak resident memory (VmHWM) before and after, and that the stored blob is
# byte-identical (SHA-256). Needs: cargo, curl, python3, sha256sum.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size_mib=${1:-1024}
port=${PORT:-18123}
work=$(mktemp -d /tmp/homedisk-bench.XXXXXX)
trap '[[ -n ${server:-} ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/homedisk

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "file:    ${size_mib} MiB of random bytes"
head -c "$((size_mib << 20))" /dev/urandom > "$work/upload.bin"
want=$(sha256sum "$work/upload.bin" | cut -d' ' -f1)

HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4 \
  HOMEDISK_DEFAULT_QUOTA_BYTES=64GiB HOMEDISK_MAX_UPLOAD_BYTES=64GiB RUST_LOG=warn \
  "$bin" & server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

token=$(curl -fs -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"benchmark password"}' \
  "http://127.0.0.1:$port/api/v1/auth/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }
before_kib=$(rss VmHWM)

read -r seconds status < <(curl -s -o "$work/response.json" -w '%{time_total} %{http_code}\n' \
  -H "Authorization: Bearer $token" -F "file=@$work/upload.bin;filename=upload.bin" \
  "http://127.0.0.1:$port/api/v1/files")
after_kib=$(rss VmHWM)
[[ $status == 201 ]] || { echo "upload failed: HTTP $status: $(cat "$work/response.json")"; exit 1; }

blob=$(find "$work/data/blobs" -type f | head -n 1)
got=$(sha256sum "$blob" | cut -d' ' -f1)
[[ $got == "$want" ]] || { echo "stored blob differs from the upload"; exit 1; }
leftover=$(find "$work/data/tmp" -type f | wc -l)

python3 - "$size_mib" "$seconds" "$before_kib" "$after_kib" "$leftover" <<'PY'
import sys
size, secs, before, after, leftover = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"upload:  {secs:.2f} s, {size / secs:.0f} MiB/s (curl to 201: stream, hash, fsync, rename, commit)")
print(f"memory:  server peak RSS {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after the upload")
print(f"checks:  stored blob SHA-256 matches; files left in tmp/: {leftover}")
PY
