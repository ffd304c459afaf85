#!/usr/bin/env bash
# Home page speed with a large library. Seeds MOVIES made-up movies (in 300 franchises and 25
# genres) with `ott dev seed`, then measures with wrk at 32 connections over loopback, logged
# in: the server-rendered home page (`GET /`, goal p50 < 20 ms, p99 < 80 ms) and a page of row
# data (`GET /api/rows`, goal p50 < 5 ms). Any request wrk gives up on (2 s) fails the run: a
# page that never finishes would show that way. Summary on stdout, progress on stderr.
#
#   bench/home.sh                              10,000 movies, 15 s per URL
#   MOVIES=2000 DURATION=5 bench/home.sh       a quick run
#   bench/home.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: MOVIES (10000), DURATION (seconds per URL, 15), CONNECTIONS (32), OTT_BIN
# (default: the release build, else the debug build), KEEP=1 keeps the temp dir. Needs wrk
# (Debian's package; installed here when missing).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

MOVIES="${MOVIES:-10000}"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
need_whole_numbers MOVIES DURATION CONNECTIONS
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt_install wrk
fi
find_ott

CURL=(curl -q -sS --noproxy '*' --fail-with-body)
WORK="$(mktemp -d "${BENCH_DIR:-/tmp}/ott-home-bench.XXXXXX")"
OTT_PID=""
cleanup() {
  if [ -n "$OTT_PID" ]; then kill "$OTT_PID" 2>/dev/null || true; wait "$OTT_PID" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ott() { "$OTT_BIN" --data-dir "$WORK/data" "$@"; }
PASSWORD="bench-$RANDOM-$RANDOM-$RANDOM"
printf '%s\n' "$PASSWORD" | ott user create bench --password-stdin >/dev/null
log "seeding $MOVIES movies"
ott dev seed --owner bench --movies "$MOVIES" --collections 300 --genres 25 >"$WORK/library.json"
LIBRARY_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$WORK/library.json")"

PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
printf 'metadata_providers = []\n' >"$WORK/ott.toml"
RUST_LOG=warn "$OTT_BIN" --data-dir "$WORK/data" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$PORT" >"$WORK/ott.log" 2>&1 &
OTT_PID=$!
wait_ready "$URL/healthz" "$OTT_PID" "$WORK/ott.log"
COOKIE="$("${CURL[@]}" -D - -o /dev/null -H 'content-type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" "$URL/api/auth/login" |
  sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -n1)"
[ -n "$COOKIE" ] || fail "could not log in"

HTML="$("${CURL[@]}" -H "Cookie: $COOKIE" "$URL/")"
grep -q 'Recently added' <<<"$HTML" || fail "the home page has no rows: $(head -c 300 <<<"$HTML")"
ROWS_IN_HTML="$(grep -o 'class="row"' <<<"$HTML" | wc -l)"

# run NAME PATH [CONNECTIONS]: wrk's latency distribution; sets P50_<NAME>, P99_<NAME>,
# RPS_<NAME>.
run() {
  local conns="${3:-$CONNECTIONS}" threads=2
  [ "$conns" -gt 1 ] || threads=1
  log "wrk: $conns connections for $DURATION s on $2"
  local out
  out="$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$URL$2")"
  echo "$out" >"$WORK/wrk-$1.txt"
  grep -q 'Non-2xx' <<<"$out" && fail "$2 answered errors: $out"
  # A page that never finishes shows as wrk's timeouts (2 s): fail on any, it is a hang.
  grep -Eq 'Socket errors:.*timeout [1-9]' <<<"$out" && fail "$2 timed out (a hang?): $out"
  # wrk prints "50%  12.34ms" (or us / s); in milliseconds:
  ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }' <<<"$out"; }
  printf -v "P50_$1" '%s' "$(ms 50%)"
  printf -v "P99_$1" '%s' "$(ms 99%)"
  printf -v "RPS_$1" '%s' "$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")"
}
run home "/"
run rows "/api/rows?library=$LIBRARY_ID"
run settings "/settings"
# One connection: the time of a request alone, without the queue 32 clients make on 2 cores.
run home1 "/" 1
run rows1 "/api/rows?library=$LIBRARY_ID" 1

SUMMARY="$(cat <<EOF
### Home page, $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), SQLite)

$MOVIES movies in 300 franchises and 25 genres (\`ott dev seed\`), wrk with $CONNECTIONS connections (then 1) for $DURATION s each, logged in; wrk runs on the same cores. No request timed out (wrk gives up after 2 s; the script fails on any).

| | p50 | p99 | requests/s |
| --- | ---: | ---: | ---: |
| \`GET /\` (server-rendered, $ROWS_IN_HTML rows in the HTML) | $P50_home ms | $P99_home ms | $RPS_home |
| \`GET /api/rows\` (one page of rows) | $P50_rows ms | $P99_rows ms | $RPS_rows |
| \`GET /settings\` (server-rendered) | $P50_settings ms | $P99_settings ms | $RPS_settings |
| \`GET /\`, one connection | $P50_home1 ms | $P99_home1 ms | $RPS_home1 |
| \`GET /api/rows\`, one connection | $P50_rows1 ms | $P99_rows1 ms | $RPS_rows1 |
EOF
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
