#!/usr/bin/env bash
# Cold thumbnails of a 4000×3000 photo on one core: homedisk against Pillow (`draft()` +
# `thumbnail()`, libjpeg-turbo's DCT scaling) and libvips' `vipsthumbnail` (issue #20).
#
#   bash bench/thumbs.sh            (REPS=15 RUNS=1 CORE=0 to change)
#
# Builds the release `examples/thumbnail.rs` (homedisk's render: decode, shrink, orient,
# encode, the code a cache miss runs), makes the photo-like JPEG of bench/preview.sh (colour
# waves, grain and coarse 16 px detail, Q90, about 5.9 MB) and, RUNS times, pinned to one core
# with `taskset -c CORE`:
#   - time: median of REPS for `sm` (256 px) and `md` (1024 px), JPEG q82 out, each tool in
#     one process that repeats the work (so no tool pays its start-up per image);
#     vipsthumbnail runs with VIPS_CONCURRENCY=1 over REPS hard links of the photo, and its
#     per-image time is (time for REPS - time for 1) / (REPS - 1);
#   - peak RSS (`/usr/bin/time -v`) of one process making one thumbnail of that size; the
#     Python interpreter with Pillow imported is printed apart, as Pillow's floor.
# Prints the ratio homedisk / Pillow for each size. Not a test: the figures go to
# docs/benchmarks.md. Needs (Debian): libvips-tools python3-venv, and PyPI for Pillow; installs
# what is missing when apt-get is usable. The venv is kept in target/bench-venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

reps=${REPS:-15}
runs=${RUNS:-1}
core=${CORE:-0}

need=()
command -v vipsthumbnail >/dev/null || need+=(libvips-tools)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
venv=${CARGO_TARGET_DIR:-target}/bench-venv
if ! "$venv/bin/python" -c 'import PIL' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pillow
fi
python=$venv/bin/python

work=$(mktemp -d /tmp/homedisk-thumbs.XXXXXX)
trap 'rm -rf "$work"' EXIT

# THUMBNAIL_BIN: measure that build of the example instead (no build).
if [[ -z ${THUMBNAIL_BIN:-} ]]; then
  cargo build --release --quiet --features jpeg-turbo --example thumbnail
fi
thumbnail=${THUMBNAIL_BIN:-${CARGO_TARGET_DIR:-target}/release/examples/thumbnail}

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr), pinned to core $core"
echo "tools:   Pillow $("$python" -c 'import PIL; print(PIL.__version__)') (libjpeg-turbo $("$python" -c 'from PIL import features; print(features.version("libjpeg_turbo"))')), $(vips --version)"

# The photo of bench/preview.sh: three colour waves, fine grain, coarse 16 px detail.
(
  cd "$work"
  vips gaussnoise n.v 4000 3000 --sigma 18 --mean 0
  vips gaussnoise cn.v 250 188 --sigma 40 --mean 0
  vips resize cn.v c16.v 16 --kernel linear
  vips extract_area c16.v coarse.v 0 0 4000 3000
  i=0
  for f in "0.003 0.002" "0.0011 0.004" "0.005 0.0007"; do
    read -r h v <<<"$f"
    vips sines s.v 4000 3000 --hfreq "$h" --vfreq "$v" --uchar
    vips linear s.v l.v 0.6 30
    vips add l.v n.v t1.v
    vips add t1.v coarse.v t2.v
    vips cast t2.v "band$i.v" uchar
    i=$((i + 1))
  done
  vips bandjoin "band0.v band1.v band2.v" rgb.v
  vips copy rgb.v 'photo.jpg[Q=90]' --interpretation srgb
  rm -f ./*.v
)
photo=$work/photo.jpg
echo "image:   4000×3000 JPEG, $(stat -c %s "$photo") bytes"

cat >"$work/pillow.py" <<'PY'
# Pillow as its documentation advises for thumbnails: draft() lets libjpeg-turbo decode at
# 1/2, 1/4 or 1/8 scale, thumbnail() finishes the resize; JPEG q82 (4:2:0 by default).
import io, statistics, sys, time
from PIL import Image
path, reps, sides = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
for side in sides:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        with Image.open(path) as im:
            im.draft("RGB", (side, side))
            im.thumbnail((side, side))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=82)
        times.append(time.perf_counter() - t)
    print(f"{side} px: median {1000 * statistics.median(times):.1f} ms, best {1000 * min(times):.1f} ms ({reps} runs, {len(out.getvalue())} bytes out)")
PY

pin=(taskset -c "$core")
# Peak RSS in MiB of a command's one run.
peak() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.1f", $6 / 1024}'; }

for run in $(seq "$runs"); do
  echo
  echo "run $run of $runs"
  "${pin[@]}" "$thumbnail" "$photo" "$reps" 256 1024 >"$work/homedisk.txt"
  "${pin[@]}" "$python" "$work/pillow.py" "$photo" "$reps" 256 1024 >"$work/pillow.txt"
  for side in 256 1024; do
    echo "$side homedisk $(peak "${pin[@]}" "$thumbnail" "$photo" 1 "$side")"
    echo "$side pillow $(peak "${pin[@]}" "$python" "$work/pillow.py" "$photo" 1 "$side")"
    echo "$side vips $(peak "${pin[@]}" env VIPS_CONCURRENCY=1 vipsthumbnail "$photo" --size "$side" -o "$work/rss-%s.jpg[Q=82]")"
  done >"$work/rss.txt"
  echo "python $(peak "${pin[@]}" "$python" -c 'from PIL import Image')" >>"$work/rss.txt"
  "$python" - "$work" "$reps" "$core" <<'PY'
import os, re, statistics, subprocess, sys, time
work, reps, core = sys.argv[1], int(sys.argv[2]), sys.argv[3]
photo = f"{work}/photo.jpg"

def medians(name):
    out = {}
    for line in open(f"{work}/{name}.txt"):
        m = re.match(r"(\d+) px: median ([\d.]+) ms.*?(\d+) bytes out", line)
        out[int(m.group(1))] = (float(m.group(2)), int(m.group(3)))
    return out

def vips(side):
    names = []
    for i in range(reps):
        name = f"{work}/copy{i}.jpg"
        if not os.path.exists(name):
            os.link(photo, name)
        names.append(name)
    def run(n):
        t = time.perf_counter()
        subprocess.run(["taskset", "-c", core, "vipsthumbnail", *names[:n], "--size", str(side),
                        "-o", f"{work}/v-%s.jpg[Q=82]"], check=True,
                       env={**os.environ, "VIPS_CONCURRENCY": "1"})
        return time.perf_counter() - t
    per_image = (run(reps) - run(1)) / (reps - 1)
    return 1000 * per_image, os.path.getsize(f"{work}/v-copy0.jpg")

rss = {}
for line in open(f"{work}/rss.txt"):
    parts = line.split()
    rss[tuple(parts[:-1])] = float(parts[-1])
home, pil = medians("homedisk"), medians("pillow")
print(f"  {'':8} {'homedisk':>22} {'Pillow':>22} {'vipsthumbnail (1 thread)':>26}   homedisk/Pillow")
for side, name in ((256, "sm"), (1024, "md")):
    v, vbytes = vips(side)
    cell = lambda ms, mib, b: f"{ms:6.1f} ms {mib:5.1f} MiB {b // 1000:3d} KB"
    print(f"  {name} {side:4d}  {cell(home[side][0], rss[(str(side), 'homedisk')], home[side][1]):>22}"
          f" {cell(pil[side][0], rss[(str(side), 'pillow')], pil[side][1]):>22}"
          f" {cell(v, rss[(str(side), 'vips')], vbytes):>26}   {home[side][0] / pil[side][0]:.2f}")
print(f"  (time: median of {reps}; MiB: peak RSS of one process making one thumbnail;"
      f" python with Pillow imported alone peaks at {rss[('python',)]:.1f} MiB)")
PY
done
