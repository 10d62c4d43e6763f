#!/usr/bin/env bash
# The cluster test of issue #13: PostgreSQL + an S3 server (moto) + two homedisk nodes + nginx
# as the load balancer, all on loopback ports of this machine. tests/cluster_load.py drives a
# bounded mixed load through nginx, kills one node with SIGKILL in the middle, restarts it,
# and checks that nothing acknowledged was lost (see its header). Installs Debian's nginx and
# PostgreSQL when missing; moto comes from PyPI (tests/s3-server.sh).
#
#   tests/cluster.sh                   uses target/debug/homedisk (built by `cargo test`)
#   CLUSTER_SECONDS=20 tests/cluster.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${HOMEDISK_BIN:-${CARGO_TARGET_DIR:-target}/debug/homedisk}"
[[ -x $bin ]] || cargo build --locked
bin="$(realpath "$bin")"

if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >&2 \
    || "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx >&2
fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/homedisk-cluster.XXXXXX)
chmod 755 "$work"
cleanup() {
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -f $work/moto.pid ]] && kill "$(cat "$work/moto.pid")" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg" 2>/dev/null || true
  if [[ ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

eval "$(tests/postgres.sh start "$work/pg")"
python3 - "$HOMEDISK_TEST_DATABASE_URL" <<'PY'
import subprocess, sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
subprocess.run(["psql", "-h", url.hostname, "-p", str(url.port), "-U", url.username, "-d", "postgres",
                "-qc", "CREATE DATABASE cluster"], check=True)
PY
endpoint=$(tests/s3-server.sh "$work/moto.pid")
python3 -c "import urllib.request as u; u.urlopen(u.Request('$endpoint/homedisk', method='PUT'))"

export HOMEDISK_DATABASE_URL="$HOMEDISK_TEST_DATABASE_URL/cluster"
export HOMEDISK_SECRET_KEY="cluster-test-key-0123456789abcdef-0123456789"
export HOMEDISK_STORAGE_URL="s3://homedisk/cluster"
export AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=cluster AWS_SECRET_ACCESS_KEY=cluster-secret
export HOMEDISK_BCRYPT_COST=4 HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE=10
export HOMEDISK_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=${RUST_LOG:-warn}
unset HOMEDISK_TEST_DATABASE_URL

port_a=$(free_port) port_b=$(free_port) port_lb=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 512; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  client_max_body_size 100m;
  upstream homedisk {
    server 127.0.0.1:$port_a max_fails=1 fail_timeout=3s;
    server 127.0.0.1:$port_b max_fails=1 fail_timeout=3s;
  }
  server {
    listen 127.0.0.1:$port_lb;
    location / {
      proxy_pass http://homedisk;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # A dead node: idempotent requests go to the other one (nginx never retries a POST
      # unless told to, so an upload is answered by the node that stored it, or fails).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
    }
  }
}
CONF
"$nginx" -c "$work/nginx.conf" -p "$work/nginx" -e "$work/nginx/error.log"

CLUSTER_LB="http://127.0.0.1:$port_lb" CLUSTER_PORT_A=$port_a CLUSTER_PORT_B=$port_b \
  CLUSTER_BIN="$bin" CLUSTER_WORK="$work" python3 tests/cluster_load.py
