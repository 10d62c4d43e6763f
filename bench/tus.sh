#!/usr/bin/env bash
# Resumable (tus) upload against the plain multipart upload: one large file each way, on
# loopback, alternating for ROUNDS rounds in the same run (the machine's noise hits both), a
# fresh server for each upload so each peak RSS is its own.
#
#   bash bench/tus.sh [SIZE_MIB] [CHUNK_MIB]      (defaults 1024 = 1 GiB, 8 MiB chunks)
#   ROUNDS=7 bash bench/tus.sh                     (default 5 rounds)
#   HOMEDISK_BIN=path/to/homedisk bash bench/tus.sh   (a given binary instead of building)
#
# Builds the release binary. Multipart: one curl `-F file=@…` to `POST /api/v1/files`.
# tus: `POST /api/v1/uploads` (untimed), then one `PATCH` per chunk, all from one curl on one
# kept-alive connection as tus clients send them (the chunks are split into files first,
# untimed). Reports each round and the medians: wall time, MiB/s, the server's peak resident
# memory (VmHWM), and checks every stored blob's SHA-256. Needs: cargo, curl, split, python3,
# sha256sum.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size_mib=${1:-1024}
chunk_mib=${2:-8}
port=${PORT:-18126}
work=$(mktemp -d /tmp/homedisk-bench.XXXXXX)
trap '[[ -n ${server:-} ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

rounds=${ROUNDS:-5}
if [[ -n ${HOMEDISK_BIN:-} ]]; then
  bin=$HOMEDISK_BIN
else
  cargo build --release --quiet
  bin=target/release/homedisk
fi
base="http://127.0.0.1:$port"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "file:    ${size_mib} MiB of random bytes; tus chunks of ${chunk_mib} MiB; $rounds rounds"
head -c "$((size_mib << 20))" /dev/urandom > "$work/upload.bin"
want=$(sha256sum "$work/upload.bin" | cut -d' ' -f1)

start_server() {
  rm -rf "$work/data"
  HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4 \
    HOMEDISK_DEFAULT_QUOTA_BYTES=64GiB HOMEDISK_MAX_UPLOAD_BYTES=64GiB RUST_LOG=warn \
    "$bin" & server=$!
  for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
  token=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"benchmark password"}' \
    "$base/api/v1/auth/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
peak_mib() { awk '$1 == "VmHWM:" {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }
check_blob() {
  local got
  got=$(sha256sum "$(find "$work/data/blobs" -type f | head -n 1)" | cut -d' ' -f1)
  [[ $got == "$want" ]] || { echo "stored blob differs from the upload"; exit 1; }
}
now() { date +%s.%N; }

# The chunks as files (untimed), so one curl can send them all.
mkdir "$work/chunks"
split -b "${chunk_mib}M" -a 5 -d "$work/upload.bin" "$work/chunks/"
chunks=$(( (size_mib + chunk_mib - 1) / chunk_mib ))

multipart_round() {
  start_server
  local t0 t1 status
  t0=$(now)
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    -F "file=@$work/upload.bin;filename=upload.bin" "$base/api/v1/files")
  t1=$(now)
  [[ $status == 201 ]] || { echo "multipart upload failed: HTTP $status"; exit 1; }
  check_blob
  echo "multipart $(python3 -c "print($t1 - $t0)") $(peak_mib)" >> "$work/results"
  stop_server
}

tus_round() {
  start_server
  local auth location args t0 t1 i
  auth=(-H "Authorization: Bearer $token" -H 'Tus-Resumable: 1.0.0')
  location=$(curl -s -o /dev/null -w '%header{location}' "${auth[@]}" -X POST \
    -H "Upload-Length: $((size_mib << 20))" \
    -H "Upload-Metadata: filename $(printf upload.bin | base64)" "$base/api/v1/uploads")
  # All PATCHes in one curl on one kept-alive connection, as tus clients send them.
  args=()
  for ((i = 0; i < chunks; i++)); do
    ((i == 0)) || args+=(--next)
    args+=(-s -o /dev/null -w '%{http_code}\n' "${auth[@]}" -X PATCH -H 'Expect:'
      -H 'Content-Type: application/offset+octet-stream' -H "Upload-Offset: $(( i * (chunk_mib << 20) ))"
      -T "$work/chunks/$(printf '%05d' "$i")" "$base$location")
  done
  t0=$(now)
  curl "${args[@]}" > "$work/statuses"
  t1=$(now)
  [[ $(grep -cx 204 "$work/statuses") == "$chunks" ]] || { echo "a PATCH failed: $(sort "$work/statuses" | uniq -c)"; exit 1; }
  check_blob
  echo "tus $(python3 -c "print($t1 - $t0)") $(peak_mib)" >> "$work/results"
  stop_server
}

for ((r = 0; r < rounds; r++)); do
  multipart_round
  tus_round
done

python3 - "$size_mib" "$chunks" "$work/results" <<'PY'
import statistics, sys
size, chunks = int(sys.argv[1]), sys.argv[2]
runs = {"multipart": [], "tus": []}
for line in open(sys.argv[3]):
    kind, secs, peak = line.split()
    runs[kind].append((float(secs), float(peak)))
for i, (mp, tus) in enumerate(zip(runs["multipart"], runs["tus"]), 1):
    print(f"round {i}: multipart {mp[0]:.2f} s, tus {tus[0]:.2f} s, tus/multipart {tus[0] / mp[0]:.2f}x")
med = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
peak = {k: max(p for _, p in v) for k, v in runs.items()}
print(f"multipart: median {med['multipart']:.2f} s, {size / med['multipart']:.0f} MiB/s, server peak RSS {peak['multipart']:.1f} MiB")
print(f"tus:       median {med['tus']:.2f} s, {size / med['tus']:.0f} MiB/s in {chunks} PATCHes, server peak RSS {peak['tus']:.1f} MiB")
print(f"tus/multipart time (medians): {med['tus'] / med['multipart']:.2f}x; every stored blob matches the file's SHA-256")
PY
