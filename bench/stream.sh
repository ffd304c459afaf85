#!/usr/bin/env bash
# Streaming throughput and seek latency. One file of SIZE_MIB random bytes is served over
# loopback by Debian's nginx (static, sendfile on: the yardstick) and by `ott serve`
# (`GET /stream/{id}`); curl downloads it whole from each, RUNS times, alternating, and the
# fastest run of each counts. Then the time to first byte of a Range request at 90% of the
# file, median of 20, for both. Prints MB/s, the ratio (goal: ott >= 0.9 x nginx) and the
# TTFBs (goal: ott < 10 ms). Summary on stdout, progress on stderr.
#
#   bench/stream.sh                              2 GiB, 3 runs each
#   SIZE_MIB=256 bench/stream.sh                 a quick run
#   bench/stream.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: SIZE_MIB (2048), RUNS (3), BENCH_DIR (/tmp; needs 2 x SIZE + 1 GiB free),
# OTT_BIN (default: the release build, else the debug build), NGINX_BIN (/usr/sbin/nginx),
# KEEP=1 keeps the temp dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

SIZE_MIB="${SIZE_MIB:-2048}"
RUNS="${RUNS:-3}"
need_whole_numbers SIZE_MIB RUNS
SIZE=$((SIZE_MIB * 1024 * 1024))
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
for tool in curl python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[ -x "$NGINX_BIN" ] || fail "$NGINX_BIN is missing; install Debian's nginx"
find_ott
mb_per_s() { awk -v s="$SIZE" -v t="$1" 'BEGIN { printf "%.1f", s / t / 1e6 }'; }
CURL=(curl -q -sS --http1.1 --noproxy '*' --fail-with-body)

NGINX_PID="" OTT_PID=""
stop() { local pid="${!1}"; [ -n "$pid" ] || return 0; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; printf -v "$1" '%s' ""; }
BENCH_DIR="${BENCH_DIR:-/tmp}"
mkdir -p "$BENCH_DIR"
WORK="$(mktemp -d "$BENCH_DIR/ott-stream-bench.XXXXXX")"
cleanup() { stop OTT_PID; stop NGINX_PID; if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- ott, with the file uploaded into its library -------------------------------------------------
OTT_DATA="$WORK/ott"
OTT_LOG="$WORK/ott.log"
ott() { "$OTT_BIN" --data-dir "$OTT_DATA" "$@"; }
printf '%s\n' "bench-$RANDOM-$RANDOM-$RANDOM" | ott user create bench --password-stdin >/dev/null
TOKEN="$(ott token create --user bench)"
LIBRARY="$(ott library create --owner bench --name Movies)"
LIBRARY_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$LIBRARY")"
OTT_PORT="$(free_port)"
OTT_URL="http://127.0.0.1:$OTT_PORT"
printf 'metadata_providers = []\nimdb_suggest_url = "http://127.0.0.1:9"\n' >"$WORK/ott.toml"
log "starting $OTT_BIN on $OTT_URL"
"$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$OTT_PORT" >"$OTT_LOG" 2>&1 &
OTT_PID=$!
wait_ready "$OTT_URL/healthz" "$OTT_PID" "$OTT_LOG"

log "writing $SIZE_MIB MiB of random bytes and uploading them to ott"
head -c "$SIZE" /dev/urandom >"$WORK/movie.mp4"
ott upload --server "$OTT_URL" --token "$TOKEN" --library "$LIBRARY_ID" --imdb tt0133093 \
  "$WORK/movie.mp4" >/dev/null 2>"$WORK/upload.log" || { cat "$WORK/upload.log" >&2; fail "the upload failed"; }
rm "$WORK/movie.mp4"
AUTH=(-H "Authorization: Bearer $TOKEN")
FILE_ID="$("${CURL[@]}" "${AUTH[@]}" "$OTT_URL/api/movies/tt0133093?library=$LIBRARY_ID" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["id"])')"
STORED="$(find "$OTT_DATA" -path '*tt0133093*' -name 'movie.*' -type f | head -n1)"
[ -f "$STORED" ] || fail "the uploaded file is not in the library"

# --- nginx, serving the very same file -------------------------------------------------------------
NGX="$WORK/nginx"
mkdir -p "$NGX/www"
ln "$STORED" "$NGX/www/movie.mp4"
start_static_nginx "$NGX"

# Warm the page cache once, so both read from memory.
cat "$STORED" >/dev/null

# get NAME URL [AUTH...]: downloads URL whole; prints the seconds it took.
get() {
  local name="$1" url="$2"; shift 2
  local out
  out="$("${CURL[@]}" "$@" -o /dev/null -w '%{size_download} %{time_total}' "$url")" || fail "$name: the download failed"
  [ "${out%% *}" = "$SIZE" ] || fail "$name sent ${out%% *} bytes, not $SIZE"
  echo "${out#* }"
}
best() { printf '%s\n' "$@" | sort -g | head -n1; }
NGINX_TIMES=() OTT_TIMES=()
for ((run = 1; run <= RUNS; run++)); do
  t="$(get nginx "$NGINX_URL/movie.mp4")"; NGINX_TIMES+=("$t"); log "nginx run $run: $(mb_per_s "$t") MB/s"
  t="$(get ott "$OTT_URL/stream/$FILE_ID" "${AUTH[@]}")"; OTT_TIMES+=("$t"); log "ott run $run: $(mb_per_s "$t") MB/s"
done
NGINX_BEST="$(best "${NGINX_TIMES[@]}")"
OTT_BEST="$(best "${OTT_TIMES[@]}")"
NGINX_MBS="$(mb_per_s "$NGINX_BEST")"
OTT_MBS="$(mb_per_s "$OTT_BEST")"
RATIO="$(awk -v a="$NGINX_BEST" -v b="$OTT_BEST" 'BEGIN { printf "%.2f", a / b }')"

# ttfb URL [AUTH...]: median time to first byte (ms) of 20 Range requests at 90% of the file.
AT=$((SIZE / 10 * 9))
ttfb() {
  local url="$1"; shift
  for _ in $(seq 20); do
    "${CURL[@]}" "$@" -o /dev/null -r "$AT-$((AT + 1048575))" -w '%{time_starttransfer}\n' "$url"
  done | sort -g | awk '{ a[NR] = $1 } END { printf "%.2f", (a[10] + a[11]) / 2 * 1000 }'
}
NGINX_TTFB="$(ttfb "$NGINX_URL/movie.mp4")"
OTT_TTFB="$(ttfb "$OTT_URL/stream/$FILE_ID" "${AUTH[@]}")"
RSS_KB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$OTT_PID/status")"

SUMMARY="$(cat <<EOF
### Streaming, $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), nginx $NGINX_VERSION)

| | MB/s (best of $RUNS) | ratio | TTFB of a 1 MiB range at 90%, median of 20 |
| --- | ---: | ---: | ---: |
| nginx (sendfile) | $NGINX_MBS | | $NGINX_TTFB ms |
| ott \`/stream\` | $OTT_MBS | $RATIO | $OTT_TTFB ms |

$SIZE_MIB MiB file, page cache warm, curl over loopback; ott's peak RSS $((RSS_KB / 1024)) MiB.
EOF
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
