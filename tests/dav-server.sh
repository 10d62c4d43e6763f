# Sourced by tests/litmus.sh and tests/rclone.sh: starts homedisk on a free loopback port on a
# temp data dir ($work), creates a user and an app password with the `dav` scope, and sets
# $base (http://127.0.0.1:PORT), $dav_user and $hdk. The server is killed and $work removed
# on exit (KEEP=1 keeps $work). Environment for the server may be set before sourcing.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${HOMEDISK_BIN:-${CARGO_TARGET_DIR:-target}/debug/homedisk}"
[[ -x $bin ]] || cargo build --locked
bin="$(realpath "$bin")"

work=$(mktemp -d /tmp/homedisk-dav.XXXXXX)
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null || true
  if [[ ${KEEP:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

export HOMEDISK_DATA_DIR="$work/data" HOMEDISK_BIND="127.0.0.1:$port" HOMEDISK_BCRYPT_COST=4
export RUST_LOG="${RUST_LOG:-warn}"
if [[ -n ${HOMEDISK_TEST_DATABASE_URL:-} ]]; then
  export HOMEDISK_DATABASE_URL="$HOMEDISK_TEST_DATABASE_URL"
  export HOMEDISK_SECRET_KEY="dav-test-secret-0123456789abcdef-0123456789"
fi
dav_user=davtest
password="dav-password-$RANDOM$RANDOM"
printf '%s\n' "$password" | "$bin" admin create "$dav_user" --password-stdin >/dev/null
"$bin" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 200); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"login\":\"$dav_user\",\"password\":\"$password\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
hdk=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"dav test","scope":"dav"}' "$base/api/v1/app-passwords" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
