#!/usr/bin/env bash
# rclone against homedisk's /dav/ (issue #19), as people use it to sync: Debian's rclone with
# vendor=owncloud (X-OC-Mtime keeps client modification times). A tree with UTF-8 names, a
# zero-byte file and a 50 MB file is synced up; a second sync transfers nothing; `check
# --download` finds no difference; the times are kept (lsjson); moveto and delete work (the
# deleted file lands in the trash); a download matches the original; a copy refused by the
# quota leaves no partial file. Installs rclone when missing (as root, or through sudo).
#
#   tests/rclone.sh                    uses target/debug/homedisk (built by `cargo test`)
set -euo pipefail

if ! command -v rclone >/dev/null; then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y rclone >&2
fi

# 120 MiB: room for the tree (about 50 MB), not for a second 80 MB file.
export HOMEDISK_DEFAULT_QUOTA_BYTES=120MiB
# shellcheck source=tests/dav-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/dav-server.sh"

export RCLONE_CONFIG="$work/rclone.conf"
: >"$RCLONE_CONFIG"
export RCLONE_CONFIG_HD_TYPE=webdav RCLONE_CONFIG_HD_URL="$base/dav/" RCLONE_CONFIG_HD_VENDOR=owncloud
export RCLONE_CONFIG_HD_USER="$dav_user"
RCLONE_CONFIG_HD_PASS=$(rclone obscure "$hdk")
export RCLONE_CONFIG_HD_PASS
rc() { rclone --retries 1 --low-level-retries 1 "$@"; }
fail() { echo "error: $*" >&2; tail -n 20 "$work/server.log" >&2; KEEP=1; exit 1; }
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }

src="$work/photos"
mkdir -p "$src/Été 2026/日本" "$src/empty dir"
printf 'hello\n' >"$src/readme.txt"
: >"$src/zero.bin"
head -c 300000 /dev/urandom >"$src/Été 2026/plage 🌊.jpg"
head -c 4096 /dev/urandom >"$src/Été 2026/日本/写真.png"
head -c 50000000 /dev/urandom >"$src/big.bin"
touch -d '2020-02-02 12:00:00' "$src/readme.txt" "$src/Été 2026/plage 🌊.jpg"

rc sync "$src" hd:photos || fail "the first sync failed"
ok "sync up"
copied=$(rc sync -v "$src" hd:photos 2>&1 | grep -c ': Copied' || true)
[[ $copied == 0 ]] || fail "the second sync copied $copied files again (times not kept?)"
ok "a second sync copies nothing"
rc check --download "$src" hd:photos || fail "rclone check found differences"
ok "check --download"
mtime=$(rc lsjson hd:photos/readme.txt | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["ModTime"][:19])')
[[ $mtime == 2020-02-02T12:00:00 ]] || fail "readme.txt's time is $mtime, not 2020-02-02T12:00:00"
ok "lsjson keeps the client's time"

back="$work/back"
rc copy hd:photos "$back" || fail "the download failed"
# (rclone does not carry empty folders without --create-empty-src-dirs.)
diff -r --exclude='empty dir' "$src" "$back" || fail "the download differs"
ok "the download matches"

rc moveto "hd:photos/Été 2026/plage 🌊.jpg" "hd:photos/plage.jpg" || fail "moveto failed"
# (Listings are read whole before grep: `grep -q` stopping early would make rclone's write
# fail and, under pipefail, the pipeline with it.)
listing=$(rc lsf hd:photos)
grep -qx 'plage.jpg' <<<"$listing" || fail "moveto: plage.jpg missing"
ok "moveto"
rc delete hd:photos/readme.txt || fail "delete failed"
listing=$(rc lsf hd:photos)
! grep -qx 'readme.txt' <<<"$listing" || fail "delete: readme.txt still listed"
trash=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/trash")
grep -q 'readme.txt' <<<"$trash" || fail "readme.txt is not in the trash"
ok "delete lands in the trash"

head -c 80000000 /dev/zero | tr '\0' 'q' >"$work/too-big.bin"
if rc copyto "$work/too-big.bin" hd:over/too-big.bin 2>"$work/over.log"; then
  fail "a copy over the quota succeeded"
fi
listing=$(rc lsf -R hd:)
if grep -q 'too-big' <<<"$listing"; then
  fail "a refused copy left a partial file"
fi
ok "a copy over the quota is refused and leaves nothing"
echo "rclone: $passed passed, 0 failed"
