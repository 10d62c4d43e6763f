#!/usr/bin/env bash
# Preview speed on loopback: cached `sm` previews through `?token=` against nginx serving the
# same bytes, and cold thumbnails of a 4000×3000 JPEG against libvips' `vipsthumbnail`.
#
#   bash bench/preview.sh            (DURATION=10s CONNECTIONS=64 REPS=15 RUNS=3 to change)
#
# Builds the release binary, starts it on a fresh data dir in /tmp, registers a user, makes a
# 4000×3000 photo-like JPEG with libvips (smooth colour waves plus noise, 4.6 MB at Q90) and
# uploads it. Then:
#   1. load: wrk on `/preview/{id}?size=sm&token=<preview token>` (token verify, session and
#      owner check in SQLite, cached thumbnail) and on nginx serving the same thumbnail file as
#      a static file, one after the other in the same run, same connections and duration;
#      both servers log every request to a file;
#   2. thumbnails: the time of a request for `sm` (256 px) and `md` (1024 px) with the cached
#      thumbnail deleted before each one (so each request decodes), against `vipsthumbnail`
#      making the same sizes, with its default threads and with VIPS_CONCURRENCY=1 (homedisk
#      decodes one image on one core).
# Needs (Debian): nginx-light wrk libvips-tools curl python3. It installs them when missing
# and apt-get is usable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
reps=${REPS:-15}
port=${PORT:-18124}
nginx_port=${NGINX_PORT:-18125}

need=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v vipsthumbnail >/dev/null || need+=(libvips-tools)
if ((${#need[@]})); then
  echo "installing ${need[*]}"
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/homedisk-bench.XXXXXX)
cleanup() {
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -n ${floor:-} ]] && kill "$floor" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# HOMEDISK_BIN: measure that binary instead (no build; the thumbnail and preview_floor examples
# must exist).
if [[ -z ${HOMEDISK_BIN:-} ]]; then
  cargo build --release --quiet --features jpeg-turbo --bin homedisk --example thumbnail \
    --example preview_floor
fi
bin=${HOMEDISK_BIN:-target/release/homedisk}

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "tools:   $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $("$nginx_bin" -v 2>&1), $(vips --version)"

# A photo-like 4000×3000 JPEG: three colour waves, fine grain, and coarse 16 px detail that
# survives the shrink, so the thumbnail is a realistic size (tens of KB), not a flat blur.
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
echo "image:   4000×3000 JPEG, $(stat -c %s "$work/photo.jpg") bytes"

homedisk_start "$bin" "$work/data" "$port" "$work/homedisk.log"
token=$(homedisk_register "$port")
read -r id preview_url < <(homedisk_upload "$port" "$token" "$work/photo.jpg" id preview_url)

# The sm thumbnail is made in the background after the upload; wait for it.
for _ in $(seq 100); do compgen -G "$work/data/thumbs/*-sm.*" >/dev/null && break; sleep 0.1; done
thumb=$(compgen -G "$work/data/thumbs/*-sm.*" | head -n 1)
[[ -n $thumb ]] || { echo "no sm thumbnail was made"; exit 1; }
echo "thumb:   $(basename "$thumb"), $(stat -c %s "$thumb") bytes"

# nginx: the same thumbnail bytes as a static file, logging every request like homedisk does.
mkdir -p "$work/www"
cp "$thumb" "$work/www/thumb.jpg"
chmod 755 "$work" "$work/www"; chmod 644 "$work/www/thumb.jpg"   # nginx workers are not root
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log;
  sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 100000;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  types { image/jpeg jpg; }
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
EOF
mkdir -p "$work/tmp"
"$nginx_bin" -c "$work/nginx.conf"
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/thumb.jpg" && break; sleep 0.1; done

home="http://127.0.0.1:$port$preview_url"
cmp <(curl -fs "$home") <(curl -fs "http://127.0.0.1:$nginx_port/thumb.jpg") \
  || { echo "homedisk and nginx do not serve the same bytes"; exit 1; }

# The floor: bare actix-web (homedisk's version, workers and logging thread) answering the same
# URL with the same bytes from memory, no auth and no middleware (examples/preview_floor.rs).
# How far homedisk is from it is homedisk's own cost; how far it is from nginx, the framework's.
floor_port=$((port + 2))
target/release/examples/preview_floor "$work/www/thumb.jpg" "127.0.0.1:$floor_port" log \
  2>"$work/floor.log" & floor=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$floor_port$preview_url" && break; sleep 0.1; done

load() { # name url
  wrk -t2 -c"$connections" -d"$duration" --latency "$2" >"$work/wrk-$1.txt"
  python3 - "$1" "$work/wrk-$1.txt" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def pct(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{name}: {errors.group(1)} answers were not 2xx/3xx")
print(f"{name:9} {rps:9.0f} req/s   p50 {pct(50):6.2f} ms   p99 {pct(99):6.2f} ms")
open(sys.argv[2] + ".rps", "w").write(str(rps))
PY
}

# Revocation under load: a second session logs in and gets a preview URL before the load (its
# bcrypt check would otherwise take a core from the server in homedisk's run and not in
# nginx's); during the load its preview is answered (from the grant cache once warm), the
# session logs out, and the very next request with its preview token must be refused.
revocation_session() {
  python3 - "$port" "$id" >"$work/revocation.session" <<'PY'
import http.client, json, sys
port, fid = int(sys.argv[1]), sys.argv[2]
def call(method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Content-Type": "application/json"}
    if token: h["Authorization"] = f"Bearer {token}"
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse(); data = r.read(); c.close()
    return r.status, data
s, b = call("POST", "/api/v1/auth/login", {"login": "bench", "password": "benchmark password", "client": "app"})
assert s == 200, s
access = json.loads(b)["token"]
s, b = call("POST", f"/api/v1/files/{fid}/preview-url", {"size": "sm"}, access)
assert s == 200, (s, b)
print(access, json.loads(b)["url"])
PY
}

revocation_check() {
  python3 - "$port" $(cat "$work/revocation.session") <<'PY'
import http.client, sys
port, access, url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def call(method, path, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, headers={"Authorization": f"Bearer {token}"} if token else {})
    r = c.getresponse(); r.read(); c.close()
    return r.status
for _ in range(20):
    assert call("GET", url) == 200
assert call("POST", "/api/v1/auth/logout", token=access) == 204
status = call("GET", url)
print(f"revocation: the request right after logout answered {status}")
sys.exit(0 if status == 401 else 1)
PY
}

runs=${RUNS:-3}
echo
echo "load: wrk -t2 -c$connections -d$duration, cached sm preview (token in the query) vs nginx, $runs runs"
for run in $(seq "$runs"); do
  echo "run $run"
  revocation_session
  load nginx "http://127.0.0.1:$nginx_port/thumb.jpg"
  (sleep 2; revocation_check) >"$work/revocation.txt" 2>&1 & check=$!
  load homedisk "$home"
  wait "$check" || { cat "$work/revocation.txt"; echo "REVOKED TOKEN NOT REFUSED"; exit 1; }
  sed 's/^/  /' "$work/revocation.txt"
  load nginx2 "http://127.0.0.1:$nginx_port/thumb.jpg"
  load floor "http://127.0.0.1:$floor_port$preview_url"
  python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
rps = lambda name: float(open(f"{w}/wrk-{name}.txt.rps").read())
n = (rps("nginx") + rps("nginx2")) / 2
print(f"  homedisk / nginx (mean of the nginx runs before and after): {100 * rps('homedisk') / n:.0f} %")
print(f"  floor / nginx: {100 * rps('floor') / n:.0f} %, homedisk / floor: {100 * rps('homedisk') / rps('floor'):.0f} %")
PY
done

echo
echo "thumbnails of the 4000×3000 JPEG, JPEG out (REPS=$reps)"
echo "  homedisk: in-process, the code a cache miss runs (examples/thumbnail.rs), median and best of REPS"
target/release/examples/thumbnail "$work/photo.jpg" "$reps" 256 1024 | sed 's/^/    /'
python3 - "$work" "$reps" <<'PY'
import os, statistics, subprocess, sys, time
work, reps = sys.argv[1], int(sys.argv[2])
def vips(side, env):
    # One process for all the copies, so libvips' start-up (~50 ms here) is paid once and
    # left out: (time for REPS copies - time for one) / (REPS - 1), three times.
    def run(n):
        names = []
        for i in range(n):
            name = f"{work}/copy{i}.jpg"
            if not os.path.exists(name):
                os.link(f"{work}/photo.jpg", name)
            names.append(name)
        t = time.perf_counter()
        subprocess.run(["vipsthumbnail", *names, "--size", str(side), "-o", f"{work}/v-%s.jpg[Q=82]"],
                       check=True, env={**os.environ, **env})
        return time.perf_counter() - t
    return [(run(reps) - run(1)) / (reps - 1) for _ in range(3)]
fmt = lambda ts: f"median {1000 * statistics.median(ts):.1f} ms, best {1000 * min(ts):.1f} ms"
print("  vipsthumbnail: per image, one process over REPS copies, start-up left out (3 runs)")
for side in (256, 1024):
    print(f"    {side} px: {fmt(vips(side, {}))}; one thread (VIPS_CONCURRENCY=1): {fmt(vips(side, {'VIPS_CONCURRENCY': '1'}))}")
PY
echo "  end to end, cold: GET /preview?size=md right after the upload (nothing cached)"
python3 - "$port" "$id" "$token" <<'PY'
import http.client, sys, time
port, fid, token = sys.argv[1:4]
c = http.client.HTTPConnection("127.0.0.1", int(port))
t = time.perf_counter()
c.request("GET", f"/preview/{fid}?size=md", headers={"Authorization": f"Bearer {token}"})
r = c.getresponse(); body = r.read()
assert r.status == 200, r.status
print(f"    1024 px: {1000 * (time.perf_counter() - t):.1f} ms, {len(body)} bytes")
PY
echo
echo "server: peak RSS $(awk '$1 == "VmHWM:" {printf "%.1f MiB", $2/1024}' "/proc/$server/status")"
if grep -qF -- "${token##*.}" "$work/homedisk.log" || grep -qF -- "${preview_url##*.}" "$work/homedisk.log"; then echo "TOKEN FOUND IN THE LOG"; exit 1; fi
