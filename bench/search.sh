#!/usr/bin/env bash
# Search over FILES (100 000) files of one user, on SQLite and on PostgreSQL, in one run:
#   1. start the release binary on an empty database, register one user through the API;
#   2. insert FILES rows for that user straight into the database (one transaction; names
#      from bench/search_rows.py: camera names, Chinese names, accents, 1 000 folders; the
#      search triggers/indexes are live while they go in, as with uploads);
#   3. time typical searches through the HTTP API (curl, REPS each, median and p95);
#   4. time the same searches as a plain `name_key LIKE '%q%'` full scan in the database
#      (sqlite3 from Python on the same file; psql with index scans turned off), the baseline.
#
#   bash bench/search.sh          (FILES=100000 REPS=41 to change; BIN=… skips the build)
#
# PostgreSQL gets an ANALYZE after the load (what autovacuum does within a minute); SQLite
# gets none (the app never runs one). Needs python3, curl, psql (tests/postgres.sh installs
# the server when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

files=${FILES:-100000}
reps=${REPS:-41}
work=$(mktemp -d /tmp/homedisk-search.XXXXXX)
chmod 755 "$work"
cleanup() {
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null || true
  tests/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
stats() { python3 -c '
import statistics, sys
v = sorted(float(x) * 1000 for x in sys.stdin.read().split())
print(f"{statistics.median(v):7.2f} {v[min(len(v) - 1, round(0.95 * (len(v) - 1)))]:7.2f}")'; }

# BIN=path skips the build (a binary built from this tree).
bin=${BIN:-target/release/homedisk}
[[ -n ${BIN:-} ]] || cargo build --release --quiet --bin homedisk
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
echo "$files files of one user; $reps requests per query; times in ms (curl time_total, loopback)"

# The queries: label, then the query string after /api/v1/search? (FOLDER is replaced).
queries=(
  "selective-3+|q=sunset"
  "accent-folded|q=resume%2012"
  "cjk-2-chars|q=%E7%85%A7%E7%89%87"
  "cjk-1-char|q=%E7%85%A7"
  "common-jpg|q=jpg"
  "folder-filter|q=invoice&folder=FOLDER"
  "type-filter|q=2024&type=document"
)

# start LABEL ENV...: the server on a free port; sets base, token, owner.
start() {
  local label=$1; shift
  local port; port=$(free_port)
  env -i PATH="$PATH" HOMEDISK_DATA_DIR="$work/data-$label" HOMEDISK_BIND="127.0.0.1:$port" \
    HOMEDISK_BCRYPT_COST=4 HOMEDISK_SECRET_KEY=bench-secret-0123456789abcdef-0123456789ab \
    RUST_LOG=warn "$@" "$bin" >"$work/$label.log" 2>&1 &
  server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
  local answer; answer=$(curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"benchmark password"}' "$base/api/v1/auth/register")
  token=$(echo "$answer" | json '["token"]')
  owner=$(echo "$answer" | json '["user"]["id"]')
}

# measure LABEL BASELINE_CMD: API timings and the baseline's for every query.
measure() {
  local label=$1 baseline=$2 folder
  folder=$(cat "$work/folder.id")
  printf '%-8s %-14s %8s %8s %8s %8s %6s\n' "$label" query hits api-p50 api-p95 scan-p50 ratio
  for entry in "${queries[@]}"; do
    local name=${entry%%|*} qs=${entry#*|}
    qs=${qs//FOLDER/$folder}
    local url="$base/api/v1/search?$qs&limit=50"
    local hits; hits=$(curl -fs -H "Authorization: Bearer $token" "$url" | json '["items"].__len__()')
    local api; api=$(for _ in $(seq "$reps"); do
      curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
    done | stats)
    local scan; scan=$($baseline "$qs" | stats)
    python3 - "$label" "$name" "$hits" $api $scan <<'PY'
import sys
label, name, hits, a50, a95, s50, s95 = sys.argv[1:8]
print(f"{label:<8} {name:<14} {hits:>8} {float(a50):8.2f} {float(a95):8.2f} {float(s50):8.2f} {float(s50) / float(a50):6.1f}x")
PY
  done
}

# The baseline on SQLite: the same filter as a LIKE full scan of the owner's rows.
sqlite_scan() {
  python3 bench/search_rows.py scan-sqlite "$work/data-sqlite/homedisk.db" "$owner" "$1" "$reps"
}
pg_scan() {
  python3 bench/search_rows.py scan-pg "$pg_db" "$owner" "$1" "$reps"
}

# --- SQLite --------------------------------------------------------------------------------
start sqlite
python3 bench/search_rows.py load-sqlite "$work/data-sqlite/homedisk.db" "$owner" "$files" "$work/folder.id"
measure sqlite sqlite_scan
kill "$server"; wait "$server" 2>/dev/null || true; server=

# --- PostgreSQL ----------------------------------------------------------------------------
eval "$(tests/postgres.sh start "$work/pg")"
pg_server=$HOMEDISK_TEST_DATABASE_URL
unset HOMEDISK_TEST_DATABASE_URL
psql "$pg_server/postgres" -qc "CREATE DATABASE bench" >/dev/null
pg_db="$pg_server/bench"
start pg HOMEDISK_DATABASE_URL="$pg_db"
python3 bench/search_rows.py load-pg "$pg_db" "$owner" "$files" "$work/folder.id" "$work"
measure pg pg_scan
