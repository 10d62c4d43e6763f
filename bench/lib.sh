# Shared by the preview benchmarks (bench/preview.sh, bench/preview_cost.sh): start homedisk on
# a fresh data directory, make an account, upload a file. Source it; it defines functions only.

# homedisk_start BIN DATA_DIR PORT LOG: starts the server in the background (its pid in
# $server) and waits until it answers /healthz.
homedisk_start() {
  HOMEDISK_DATA_DIR="$2" HOMEDISK_BIND="127.0.0.1:$3" HOMEDISK_BCRYPT_COST=4 "$1" >"$4" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$3/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "homedisk did not start; its log:" >&2
  cat "$4" >&2
  return 1
}

# homedisk_register PORT: registers the user `bench` and prints its access token.
homedisk_register() {
  curl -fs -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"benchmark password"}' \
    "http://127.0.0.1:$1/api/v1/auth/register" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# homedisk_upload PORT TOKEN FILE FIELD…: uploads FILE and prints the FIELDs (`id`,
# `preview_url`…) of the file it made, on one line, separated by spaces.
homedisk_upload() {
  curl -fs -H "Authorization: Bearer $2" -F "file=@$3;filename=$(basename "$3")" \
    "http://127.0.0.1:$1/api/v1/files" |
    python3 -c 'import json,sys; item = json.load(sys.stdin)["items"][0]; print(*(item[f] for f in sys.argv[1:]))' "${@:4}"
}
