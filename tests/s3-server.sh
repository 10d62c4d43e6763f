#!/usr/bin/env bash
# Starts an S3 protocol server for the storage tests: moto (PyPI `moto[server]`, in memory),
# installed on first use into a virtualenv under target/. Listens on 127.0.0.1 on a free port,
# prints its endpoint (http://127.0.0.1:PORT) on stdout once it answers, and writes its process
# id to the file given as $1 (default target/moto.pid). Stop it with `kill "$(cat PIDFILE)"`.
#
#   HOMEDISK_TEST_S3_ENDPOINT=$(tests/s3-server.sh) cargo test storage
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/moto-venv"
pidfile="${1:-$target/moto.pid}"
log="$target/moto.log"
mkdir -p "$target"

if [[ ! -x $venv/bin/moto_server ]]; then
  echo "installing moto[server] into $venv (about a minute)" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet 'moto[server]>=5.1,<6' >&2
fi

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Detached from our stdout, so `$(tests/s3-server.sh)` returns once the endpoint is printed.
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
echo $! >"$pidfile"

endpoint="http://127.0.0.1:$port"
for _ in $(seq 100); do
  if "$venv/bin/python" -c "import urllib.request as u; u.urlopen('$endpoint/moto-api/', timeout=1)" 2>/dev/null; then
    echo "$endpoint"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "error: moto did not start on $endpoint; see $log" >&2
kill "$(cat "$pidfile")" 2>/dev/null || true
exit 1
