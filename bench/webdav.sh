#!/usr/bin/env bash
# WebDAV throughput (issue #19): rclone copying one large file and 1000 small files (4-64 KB)
# to homedisk's /dav/, against `rclone serve webdav` (a peer WebDAV server, serving a
# directory) on the same machine in the same run, and homedisk's own multipart API (curl -F)
# for the large file. Reports seconds, MiB/s, files/s and homedisk's peak resident memory.
#
#   bash bench/webdav.sh [BIG_MIB]      (default 1024 = 1 GiB)
#
# Builds the release binary. Needs: cargo, rclone, curl, python3. Everything on loopback.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

big_mib=${1:-1024}
work=$(mktemp -d /tmp/homedisk-bench-dav.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 200); do curl -s -o /dev/null "$1" && return; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

cargo build --release --quiet
bin=target/release/homedisk

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(rclone version | head -n 1)"
mkdir -p "$work/big" "$work/small"
head -c "$((big_mib << 20))" /dev/urandom >"$work/big/big.bin"
python3 - "$work/small" <<'PY'
import os, random, sys
random.seed(19)
for i in range(1000):
    with open(os.path.join(sys.argv[1], f"f{i:04}.bin"), "wb") as f:
        f.write(os.urandom(random.randint(4096, 65536)))
PY
small_mib=$(du -sm --apparent-size "$work/small" | cut -f1)

port=$(free_port)
base="http://127.0.0.1:$port"
HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4 \
  HOMEDISK_DEFAULT_QUOTA_BYTES=64GiB HOMEDISK_MAX_UPLOAD_BYTES=64GiB RUST_LOG=warn \
  "$bin" & server=$!
pids+=("$server")
wait_up "$base/healthz"
token=$(curl -fs -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"benchmark password"}' \
  "$base/api/v1/auth/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hdk=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"bench","scope":"dav"}' "$base/api/v1/app-passwords" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

peer_port=$(free_port)
mkdir -p "$work/peer"
rclone serve webdav "$work/peer" --addr "127.0.0.1:$peer_port" --log-level ERROR & pids+=("$!")
wait_up "http://127.0.0.1:$peer_port/"

export RCLONE_CONFIG="$work/rclone.conf"
: >"$RCLONE_CONFIG"
export RCLONE_CONFIG_HD_TYPE=webdav RCLONE_CONFIG_HD_URL="$base/dav/" RCLONE_CONFIG_HD_VENDOR=owncloud
export RCLONE_CONFIG_HD_USER=bench
RCLONE_CONFIG_HD_PASS=$(rclone obscure "$hdk")
export RCLONE_CONFIG_HD_PASS
export RCLONE_CONFIG_PEER_TYPE=webdav RCLONE_CONFIG_PEER_URL="http://127.0.0.1:$peer_port/"
export RCLONE_CONFIG_PEER_VENDOR=other

timed() { python3 -c 'import subprocess, sys, time; t = time.monotonic(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(f"{time.monotonic() - t:.2f}")' "$@"; }
rss() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }

rss_start=$(rss VmHWM)
hd_big=$(timed rclone copy "$work/big" hd:big)
hd_small=$(timed rclone copy --transfers 4 "$work/small" hd:small)
rss_end=$(rss VmHWM)
peer_big=$(timed rclone copy "$work/big" peer:big)
peer_small=$(timed rclone copy --transfers 4 "$work/small" peer:small)
api_big=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
  -F "file=@$work/big/big.bin;filename=api.bin" "$base/api/v1/files")

python3 - "$big_mib" "$small_mib" "$hd_big" "$hd_small" "$peer_big" "$peer_small" "$api_big" "$rss_start" "$rss_end" <<'PY'
import sys
big, small, hd_big, hd_small, peer_big, peer_small, api_big = map(float, sys.argv[1:8])
rss0, rss1 = int(sys.argv[8]), int(sys.argv[9])
print(f"| what | homedisk /dav/ | rclone serve webdav | homedisk API (curl -F) |")
print(f"|---|---|---|---|")
print(f"| {big:.0f} MiB file | {hd_big:.2f} s, {big / hd_big:.0f} MiB/s | {peer_big:.2f} s, {big / peer_big:.0f} MiB/s | {api_big:.2f} s, {big / api_big:.0f} MiB/s |")
print(f"| 1000 files ({small:.0f} MiB), 4 transfers | {hd_small:.2f} s, {1000 / hd_small:.0f} files/s | {peer_small:.2f} s, {1000 / peer_small:.0f} files/s | |")
print(f"homedisk peak RSS: {rss0 / 1024:.1f} MiB before the rclone copies, {rss1 / 1024:.1f} MiB after")
PY
