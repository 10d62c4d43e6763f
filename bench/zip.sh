#!/usr/bin/env bash
# ZIP downloads (issue #14): a folder of photo-sized files downloaded as one streamed ZIP,
# against the same bytes downloaded as plain files, and against bsdtar and `zip -0` writing a
# stored ZIP of the same files from the local disk.
#
#   bash bench/zip.sh            (TOTAL_MIB=2048 FILE_KIB=4096 REPS=3 to change)
#
# Builds the release binary, starts it on a fresh data dir in /tmp, uploads TOTAL_MIB of
# random files (FILE_KIB each, sizes varied ±25 % like photos), then for each of REPS runs
# (median reported): the folder ZIP with curl to /dev/null, every file through /content with
# one curl (keep-alive), bsdtar and zip -0, all to /dev/null. The server's resident memory is
# sampled every 20 ms during the ZIP download (peak reported), and the archive of the last
# run is checked with `unzip -t`. The page cache is warm for every contender (the files were
# just written): this compares CPU and copying, not the disk.
# Needs: cargo, curl, python3, zip, unzip, bsdtar (libarchive-tools).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

total_mib=${TOTAL_MIB:-2048}
file_kib=${FILE_KIB:-4096}
reps=${REPS:-3}
port=${PORT:-18124}
work=$(mktemp -d /tmp/homedisk-zip-bench.XXXXXX)
cleanup() {
  # Only the server this script started.
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --bin homedisk
bin=target/release/homedisk
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"

# Photo-sized files of random bytes (incompressible, like JPEGs).
python3 - "$work/photos" "$total_mib" "$file_kib" <<'PY'
import os, random, sys
root, total, each = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3]) << 10
os.makedirs(root)
rng, written, i = random.Random(14), 0, 0
while written < total:
    size = min(total - written, int(each * rng.uniform(0.75, 1.25)))
    with open(os.path.join(root, f"IMG_{i:05d}.jpg"), "wb") as f:
        f.write(os.urandom(size))
    written, i = written + size, i + 1
print(f"files:   {i} files, {written / 2**20:.0f} MiB")
PY

HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4 \
  HOMEDISK_DEFAULT_QUOTA_BYTES=64GiB RUST_LOG=warn "$bin" & server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -fs -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"benchmark password"}' "$base/api/v1/auth/register" | json '["token"]')
auth=(-H "Authorization: Bearer $token")
folder=$(curl -fs "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"Photos"}' \
  "$base/api/v1/folders" | json '["id"]')
# 50 files per request.
(cd "$work/photos" && files=(*) && for ((i = 0; i < ${#files[@]}; i += 50)); do
  args=()
  for f in "${files[@]:i:50}"; do args+=(-F "file=@$f"); done
  curl -fs -o /dev/null "${auth[@]}" "${args[@]}" "$base/api/v1/files?folder=$folder"
done)
ids=$(curl -fs "${auth[@]}" "$base/api/v1/files?folder=$folder" |
  python3 -c 'import json,sys; print("\n".join(i["id"] for i in json.load(sys.stdin)["items"]))')
echo "uploaded: $(wc -l <<<"$ids") files"
printf 'url = "%s/api/v1/files/%s/content"\noutput = /dev/null\n' $(for id in $ids; do echo "$base $id"; done) \
  >"$work/plain.curl"

rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$server/status"; }
# sample PID_FILE: the highest VmRSS while the sampler runs (killed by the caller).
sample() { local peak=0 now; while :; do now=$(rss_kib); ((now > peak)) && peak=$now && echo "$peak" >"$1"; sleep 0.02; done; }
timed() {
  local t0
  t0=$(date +%s%N)
  "$@" >/dev/null
  python3 -c "import sys; print((int(sys.argv[2]) - int(sys.argv[1])) / 1e9)" "$t0" "$(date +%s%N)"
}

declare -a zip_s plain_s bsdtar_s zip0_s zip_peak
idle=$(rss_kib)
for _ in $(seq "$reps"); do
  sample "$work/peak" & sampler=$!
  zip_s+=("$(curl -fs "${auth[@]}" -o /dev/null -w '%{time_total}' "$base/api/v1/files/$folder/zip")")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  zip_peak+=("$(cat "$work/peak")")
  plain_s+=("$(curl -fs "${auth[@]}" -K "$work/plain.curl" -w '%{time_total}\n' | awk '{s += $1} END {print s}')")
  bsdtar_s+=("$(cd "$work" && timed bsdtar --format zip --options zip:compression=store -cf /dev/null photos)")
  zip0_s+=("$(cd "$work" && timed zip -0 -q -r - photos)")
done
# Once more into a file, to check it (the timed runs write to /dev/null like the others).
curl -fs "${auth[@]}" -o "$work/out.zip" "$base/api/v1/files/$folder/zip"
zip_bytes=$(stat -c %s "$work/out.zip")
unzip -tq "$work/out.zip" >/dev/null && check="unzip -t: ok" || check="unzip -t: FAILED"
total_bytes=$(du -cb "$work"/photos/* | tail -1 | cut -f1)

python3 - "$total_bytes" "$zip_bytes" "$idle" "${zip_s[*]}" "${plain_s[*]}" "${bsdtar_s[*]}" "${zip0_s[*]}" "${zip_peak[*]}" "$check" <<'PY'
import statistics as st, sys
total, zbytes, idle = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
runs = [list(map(float, a.split())) for a in sys.argv[4:8]]
peaks = list(map(int, sys.argv[8].split()))
mib = total / 2**20
print(f"data:    {mib:.0f} MiB of files; ZIP {zbytes / 2**20:.1f} MiB ({zbytes - total} bytes of headers)")
for name, r in zip(["homedisk ZIP (curl)", "plain files (curl, keep-alive)", "bsdtar, stored", "zip -0"], runs):
    m = st.median(r)
    print(f"{name:32s} median {m:6.2f} s  {mib / m:7.0f} MiB/s   runs: {' '.join(f'{x:.2f}' for x in r)}")
print(f"server RSS: {idle / 1024:.1f} MiB idle before, peak during the ZIP downloads {max(peaks) / 1024:.1f} MiB")
print(sys.argv[9])
PY
