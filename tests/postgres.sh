#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `initdb` into a temp dir, `pg_ctl start` on a
# free loopback port (fsync off: the data is thrown away), one superuser role `homedisk` that
# may create a database per test. Installs Debian's `postgresql` package when no server is
# found (as root, or through sudo).
#
#   tests/postgres.sh start DIR   prints `export HOMEDISK_TEST_DATABASE_URL=postgres://…`
#   tests/postgres.sh stop DIR    stops it and removes DIR
#
# Use: eval "$(tests/postgres.sh start /tmp/hd-pg)"; cargo test; tests/postgres.sh stop /tmp/hd-pg
set -euo pipefail

bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb ]] && { echo "$dir"; return; }
  done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

as_owner() {
  # initdb and the server refuse to run as root: use the `postgres` account then.
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 bin port
  bin=$(bindir || true)
  if [[ -z $bin ]]; then
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
    bin=$(bindir)
  fi
  mkdir -p "$dir"
  ((EUID == 0)) && chown postgres: "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" --no-sync -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Every test opens a database of its own with a small pool, two test threads at a time,
  # plus the servers of the binary tests: 400 connections is plenty.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >&2 \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE ROLE homedisk LOGIN SUPERUSER" >&2
  echo "export HOMEDISK_TEST_DATABASE_URL=postgres://homedisk@127.0.0.1:$port"
}

stop() {
  local dir=$1 bin
  bin=$(bindir)
  if [[ -d $dir/data ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) start "${2:?directory}" ;;
  stop) stop "${2:?directory}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
