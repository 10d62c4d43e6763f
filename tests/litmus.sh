#!/usr/bin/env bash
# The WebDAV conformance test of issue #19: Debian's litmus, all five suites (basic, copymove,
# props, locks, http), against /dav/ of a homedisk started here on a temp data dir, as a user
# with an app password carrying the `dav` scope. Fails on any litmus failure (warnings are
# fine). Installs litmus when missing (as root, or through sudo).
#
#   tests/litmus.sh                    uses target/debug/homedisk (built by `cargo test`)
#   HOMEDISK_BIN=target/release/homedisk tests/litmus.sh
#   HOMEDISK_TEST_DATABASE_URL=postgres://… tests/litmus.sh   (on PostgreSQL)
set -euo pipefail

if ! command -v litmus >/dev/null; then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y litmus >&2
fi

# shellcheck source=tests/dav-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/dav-server.sh"

# litmus works in a collection of its own, litmus/, which it creates and removes; it writes
# debug.log and child.log where it runs, so it runs in the temp dir.
status=0
(cd "$work" && litmus -k "$base/dav/" "$dav_user" "$hdk") >"$work/litmus.out" 2>&1 || status=$?
cat "$work/litmus.out"
summary=$(grep -E '^<- summary for' "$work/litmus.out" || true)
echo
echo "litmus summary:"
echo "$summary"
if ((status != 0)) || grep -qE 'FAIL|[1-9][0-9]* failed' <<<"$summary"; then
  echo "error: litmus reported failures (server log: $work/server.log)" >&2
  tail -n 30 "$work/server.log" >&2 || true
  KEEP=1
  exit 1
fi
passed=$(grep -oE 'of [0-9]+ tests run: [0-9]+ passed' <<<"$summary" | awk '{s += $5} END {print s + 0}')
echo "litmus: $passed passed, 0 failed"
