#!/usr/bin/env bash
# Runs the cargo-fuzz targets, each for a fixed time, and reports per target.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Defaults: 600 seconds, every target of `cargo +nightly fuzz list`. Builds the targets once
# (`cargo +nightly fuzz build`), then runs each binary; seeds fuzz/corpus/TARGET when empty. Crash inputs land in fuzz/artifacts/TARGET; logs in fuzz/target/fuzz-logs.
# Exits 1 if any target found a crash, leak, OOM or timeout (or did not run), 2 on a usage or
# build error.
# Everything runs under `nice -n 15` (FUZZ_NICE overrides); extra libFuzzer flags can be given
# in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-jobs=2 -workers=2").
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"
cd "$ROOT" || exit 2

NICE="${FUZZ_NICE:-15}"
SECONDS_PER_TARGET="${1:-600}"
shift $(( $# > 0 ? 1 : 0 ))
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
    echo "usage: bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi

if (( $# > 0 )); then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi
if (( ${#TARGETS[@]} == 0 )); then
    echo "no fuzz targets" >&2
    exit 2
fi

LOG_DIR="$FUZZ_DIR/target/fuzz-logs"
mkdir -p "$LOG_DIR"

# --- seeds ---------------------------------------------------------------------------------

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# The access token the `tokens` target signs (HS256, its test secret, fixed claims; iat = this
# year's 1 January 00:00 UTC, exp = iat + 366 days, the longest lifetime homedisk accepts).
IAT="$(date -u -d "$(date -u +%Y)-01-01T00:00:00Z" +%s)"
EXP=$((IAT + 366 * 86400))
seed_token() {
    local secret="0123456789abcdef0123456789abcdef" kid header payload sig
    kid="$(printf 'homedisk-kid:%s' "$secret" | openssl dgst -sha256 -binary | head -c 6 | xxd -p)"
    header="$(printf '{"typ":"JWT","alg":"HS256","kid":"%s"}' "$kid" | b64url)"
    payload="$(printf '{"iss":"homedisk","aud":"homedisk","sub":"u1","sid":"s1","typ":"access","cli":"api","scope":"files:read files:write","iat":%s,"exp":%s,"jti":"00000000-0000-4000-8000-000000000000"}' "$IAT" "$EXP" | b64url)"
    sig="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)"
    printf '%s.%s.%s' "$header" "$payload" "$sig"
}

seed_tokens() {
    local dir="$1" token
    token="$(seed_token)"
    printf '%s' "$token" > "$dir/valid"
    printf '%s' "${token%.*}.AAAA" > "$dir/bad-signature"
    printf 'a.b.c' > "$dir/dots"
    printf '%s' "${token%%.*}" > "$dir/header-only"
    # Structured modes (first byte; see fuzz_targets/tokens.rs).
    printf '\x03%s' '{"iss":"homedisk","aud":"homedisk","sub":"u1","sid":"s1","typ":"access","cli":"web","scope":"admin","iat":'"$IAT"',"exp":'"$EXP"',"jti":"j"}' > "$dir/payload-access"
    printf '\x03%s' '{"iss":"homedisk","aud":"homedisk","sub":"u1","sid":"s1","typ":"preview","fid":"f1","sz":"thumbs","iat":'"$IAT"',"exp":'"$EXP"',"jti":"j"}' > "$dir/payload-preview"
    printf '\x03%s' '{"typ":"access","exp":"soon"}' > "$dir/payload-bad-types"
    printf '\x04%s' '{"alg":"HS256","kid":"0000"}' > "$dir/header-kid"
    printf '\x04%s' '{"alg":"none"}' > "$dir/header-none"
    printf '\x05%s\n%s' '{"alg":"HS256","typ":"JWT","jku":"http://x"}' '{"typ":"preview"}' > "$dir/both"
    printf '\x06\x10\x00%s' '.x' > "$dir/splice"
}

seed_names() {
    local dir="$1" i=0 name
    for name in "a.txt" "../x" "CON" "x." "😀.png" "." ".." "C:\\photos\\cat.jpg" "dir/sub/file.tar.gz" \
        " " "a\tb" $'line\nbreak' $'photo\u202egpj.exe' "$(printf 'a%.0s' {1..300})"; do
        printf '%s' "$name" > "$dir/name-$i"
        i=$((i + 1))
    done
    printf 'nul\0byte' > "$dir/name-nul"
}

# byte 0: boundary selector (0 = XyZ), bytes 1-4: chunk plan, then the body.
seed_multipart() {
    local dir="$1" body
    body=$'--XyZ\r\nContent-Disposition: form-data; name="folder"\r\n\r\nf1\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8\'\'%F0%9F%98%80.png\r\n\r\n\x89PNG\r\n--XyZ--\r\n'
    { printf '\x00\x00\x00\x00\x00'; printf '%s' "$body"; } > "$dir/one-chunk"
    { printf '\x00\x01\x07\x40\x03'; printf '%s' "$body"; } > "$dir/small-chunks"
    { printf '\x80\x10\x10\x10\x10'; printf '%s' "${body%--XyZ--*}"; } > "$dir/truncated-error"
    { printf '\x00\x00\x00\x00\x00'; printf '%s' $'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\nContent-Length: 2\r\n\r\nabcdef\r\n--XyZ--\r\n'; } > "$dir/part-content-length"
    { printf '\x02\x00\x00\x00\x00'; printf '%s' $'preamble\r\n--a\r\nContent-Disposition: form-data; name="file"; filename="../../etc/passwd"\r\n\r\nx\r\n--a--\r\n'; } > "$dir/boundary-a"
}

seed_range() {
    local dir="$1" n=0
    # 8 bytes of length (little endian), then the header text.
    for h in 'bytes=0-99' 'bytes=5-' 'bytes=-20' 'bytes=0-0,5-9' 'Bytes=9999999999999999999999-' \
             '"0123456789abcdef"' 'W/"x"' 'Fri, 02 Jan 2026 03:04:05 GMT' '*'; do
        { printf '\xe8\x03\x00\x00\x00\x00\x00\x00'; printf '%s' "$h"; } > "$dir/seed-$n"
        n=$((n + 1))
    done
}

seed_image() {
    local dir="$1" tmp
    # The first byte picks the type the bytes claim to be: 0 JPEG, 1 PNG, 2 GIF, 3 WebP.
    command -v vips >/dev/null || { printf '\x00' > "$dir/empty-jpeg"; return; }
    tmp="$(mktemp -d)"
    vips black "$tmp/b.v" 48 32 --bands 3 >/dev/null && vips linear "$tmp/b.v" "$tmp/c.v" 1 90 >/dev/null
    vips copy "$tmp/c.v" "$tmp/a.jpg[Q=80]" && { printf '\x00'; cat "$tmp/a.jpg"; } > "$dir/jpeg"
    vips copy "$tmp/c.v" "$tmp/p.jpg[Q=80,interlace]" && { printf '\x00'; cat "$tmp/p.jpg"; } > "$dir/jpeg-progressive"
    vips copy "$tmp/c.v" "$tmp/a.png" && { printf '\x01'; cat "$tmp/a.png"; } > "$dir/png"
    vips copy "$tmp/c.v" "$tmp/a.gif" 2>/dev/null && { printf '\x02'; cat "$tmp/a.gif"; } > "$dir/gif"
    vips copy "$tmp/c.v" "$tmp/a.webp" 2>/dev/null && { printf '\x03'; cat "$tmp/a.webp"; } > "$dir/webp"
    rm -rf "$tmp"
}

seed() {
    local target="$1" dir="$FUZZ_DIR/corpus/$1"
    mkdir -p "$dir"
    [[ -n "$(ls -A "$dir")" ]] && return
    case "$target" in
        tokens) seed_tokens "$dir" ;;
        names) seed_names "$dir" ;;
        multipart) seed_multipart "$dir" ;;
        range) seed_range "$dir" ;;
        image) seed_image "$dir" ;;
        *) printf '' > "$dir/empty" ;;  # a target without seeds starts from the empty input
    esac
    echo "seeded $dir with $(ls "$dir" | wc -l) inputs"
}

# --- run -----------------------------------------------------------------------------------

artifacts() { find "$FUZZ_DIR/artifacts/$1" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) 2>/dev/null | sort; }

# Build every selected target once, up front, so all of them fuzz the same homedisk (the
# sources may change while this runs) and no run spends its time rebuilding.
BUILD_LOG="$LOG_DIR/build.log"
echo "=== building ${TARGETS[*]} (log: $BUILD_LOG)"
: > "$BUILD_LOG"
for target in "${TARGETS[@]}"; do
    if ! nice -n "$NICE" cargo +nightly fuzz build "$target" >> "$BUILD_LOG" 2>&1; then
        grep -E '^error' "$BUILD_LOG" | head -n 10 >&2
        echo "build of $target failed, see $BUILD_LOG" >&2
        exit 2
    fi
done
TRIPLE="$(rustc +nightly -vV | sed -n 's/^host: //p')"

FAILED=()
SUMMARY=()
for target in "${TARGETS[@]}"; do
    seed "$target"
    mkdir -p "$FUZZ_DIR/artifacts/$target"
    before="$(artifacts "$target")"
    log="$LOG_DIR/$target.log"
    echo "=== $target: ${SECONDS_PER_TARGET}s (log: $log)"
    # What `cargo fuzz run` runs, without its rebuild check.
    # shellcheck disable=SC2086
    nice -n "$NICE" "$FUZZ_DIR/target/$TRIPLE/release/$target" \
        -artifact_prefix="$FUZZ_DIR/artifacts/$target/" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
        -print_final_stats=1 ${FUZZ_FLAGS:-} "$FUZZ_DIR/corpus/$target" > "$log" 2>&1
    rc=$?
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')"
    last="$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)"
    cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<< "$last")"
    ft="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<< "$last")"
    corp="$(sed -nE 's/.*corp: ([0-9]+).*/\1/p' <<< "$last")"
    new="$(comm -13 <(printf '%s\n' "$before") <(artifacts "$target") | sed '/^$/d')"
    if [[ -z "$new" ]] && ! grep -q 'INITED' "$log"; then
        verdict="DID NOT RUN (exit $rc, see the log)"
        FAILED+=("$target")
        grep -E '^error' "$log" | head -n 5 | sed 's/^/    /'
    elif (( rc != 0 )) || [[ -n "$new" ]]; then
        verdict="FAILED (exit $rc)"
        FAILED+=("$target")
        grep -E '^==[0-9]+==ERROR|panicked at|SUMMARY:|Test unit written to' "$log" | head -n 5 | sed 's/^/    /'
        [[ -n "$new" ]] && sed 's/^/    artifact: /' <<< "$new"
    else
        verdict="no crash"
    fi
    line="$(printf '%-10s execs=%-10s cov=%-6s ft=%-6s corpus=%-5s %s' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict")"
    echo "$line"
    SUMMARY+=("$line")
done

echo
echo "=== summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${SUMMARY[@]}"
if (( ${#FAILED[@]} > 0 )); then
    echo "FAILED: ${FAILED[*]} (inputs under fuzz/artifacts/; see fuzz/README.md to reproduce)"
    exit 1
fi
