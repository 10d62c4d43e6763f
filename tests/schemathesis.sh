#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis (issue #20): the real
# binary on SQLite in a temp data directory, a registered user, and schemathesis calling every
# operation with an app password (HTTP Basic). It fails on any 5xx and on any answer the
# document does not describe (status, content type, or body schema). .ci/run runs it; so can
# you, after `cargo build`:
#
#   bash tests/schemathesis.sh            # HOMEDISK_BIN=... to test another binary
#
# schemathesis comes from PyPI, pinned, into a venv under target/. HOMEDISK_SCHEMATHESIS_EXAMPLES
# (default 20) bounds the examples per operation, and so the run's time.
# HOMEDISK_SCHEMATHESIS_SEED (default 20) changes what it tries.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

version=4.32.5
venv=target/schemathesis-venv
bin=$(realpath "${HOMEDISK_BIN:-${CARGO_TARGET_DIR:-target}/debug/homedisk}")
examples=${HOMEDISK_SCHEMATHESIS_EXAMPLES:-20}

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT

# Login limits as a server has them: the fuzzer's wrong logins answer 429, which is documented.
(cd "$data" && HOMEDISK_DATA_DIR="$data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4 \
  RUST_LOG=${RUST_LOG:-warn} exec "$bin") >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/healthz" >/dev/null

# The first account is an administrator; its app password may use files and shares.
token=$(curl -fsS "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"username":"fuzz","password":"fuzz-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
secret=$(curl -fsS "$base/api/v1/app-passwords" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"name":"schemathesis","scope":"files:read files:write shares"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
basic=$(printf 'fuzz:%s' "$secret" | base64 -w0)

# `POST /api/v1/auth/logout` is left out: with the app password it would end the very
# credential the run uses (every later answer a correct, documented 401).
export NO_COLOR=1 SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=$PWD/tests
st=$(realpath "$venv/bin/schemathesis")
# Run from the temp directory: schemathesis keeps a cache (.schemathesis/) where it runs.
fuzz() {
  (cd "$data" && "$st" run "$base/api/v1/openapi.json" \
    --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" \
    --workers 2 \
    --seed "${HOMEDISK_SCHEMATHESIS_SEED:-20}" \
    --no-color \
    "$@")
}

status=0
echo "== files, shares, uploads: the app password over HTTP Basic"
fuzz --header "Authorization: Basic $basic" --exclude-path /api/v1/auth/logout || status=$?
# The account and admin routes, which an app password may not use: the administrator's own
# access token, without the operations that would end it (logout, password changes, ending
# sessions, its own included) or switch two-factor login on half-way.
echo "== account and admin: the administrator's access token"
fuzz --header "Authorization: Bearer $token" \
  --include-path-regex '^/api/v1/(me|sessions|app-passwords|admin|auth/confirm)' \
  --exclude-path-regex '^/api/v1/(me/password|me/totp|sessions/|admin/users/[^/]+/(logout|password))' \
  --exclude-method DELETE \
  || status=$?
if ((status != 0)); then
  echo "--- server log (tail) ---"
  tail -n 50 "$data/server.log"
fi
exit "$status"
