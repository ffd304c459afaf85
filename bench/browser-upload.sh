#!/usr/bin/env bash
# Browser upload against the CLI uploader. One 1 GiB file of random bytes goes to one `ott
# serve` twice: with `ott upload` (Rust, reqwest), then through the web app's uploader in
# Debian's Chromium (the page's WASM slicing the File, as a user would: pick, confirm, wait for
# "Uploaded"), then with a plain JavaScript fetch loop in the same page (what the browser itself
# manages). Prints the MB/s, the ratio (goal: browser >= 0.8 x CLI) and the peak JS heap of the
# page while it uploaded. The two uploads use two hard links of the same file (one inode,
# two names, so two uploads, filed as two movies). Everything lives in one temp dir, removed on exit.
#
#   bench/browser-upload.sh                              1 GiB
#   SIZE_MIB=256 bench/browser-upload.sh                 a quick run
#   bench/browser-upload.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: SIZE_MIB (1024), BENCH_DIR (/tmp; needs 2 x SIZE + 1 GiB free), OTT_BIN (default:
# the release build). The server serves the site from target/site: build it with
# scripts/run (or bench/wasm-size.sh) so the page's WASM is the release bundle.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

SIZE_MIB="${SIZE_MIB:-1024}"
need_whole_numbers SIZE_MIB
SIZE=$((SIZE_MIB * 1024 * 1024))
find_ott
[ -f target/site/pkg/ott.wasm ] || fail "no site in target/site; build it with scripts/run or bench/wasm-size.sh"
[ -d end2end/node_modules/@playwright/test ] || (cd end2end && npm ci --no-audit --no-fund >&2)

BENCH_DIR="${BENCH_DIR:-/tmp}"
WORK="$(mktemp -d "$BENCH_DIR/ott-bench-browser.XXXXXX")"
OTT_PID="" META_PID=""
cleanup() {
  [ -n "$OTT_PID" ] && kill "$OTT_PID" 2>/dev/null
  [ -n "$META_PID" ] && kill "$META_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mb_per_s() { awk -v s="$SIZE" -v t="$1" 'BEGIN { printf "%.1f", s / t / 1e6 }'; }

log "writing $SIZE_MIB MiB of random bytes"
head -c "$SIZE" /dev/urandom >"$WORK/Alien.1979.cli.mkv"
ln "$WORK/Alien.1979.cli.mkv" "$WORK/The.Matrix.1999.browser.mkv"

# The stand-in IMDb of the browser tests, so the page can search the movie offline.
META_PORT="$(free_port)"
node end2end/fixtures/metadata-server.mjs "$META_PORT" >"$WORK/meta.log" 2>&1 &
META_PID=$!
wait_ready "http://127.0.0.1:$META_PORT/healthz" "$META_PID" "$WORK/meta.log"

OTT_DATA="$WORK/ott"
ott() { "$OTT_BIN" --data-dir "$OTT_DATA" "$@"; }
PASSWORD="bench-$RANDOM-$RANDOM-$RANDOM"
printf '%s\n' "$PASSWORD" | ott user create bench --password-stdin >/dev/null
TOKEN="$(ott token create --user bench)"
LIBRARY="$(ott library create --owner bench --name Movies | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
printf 'metadata_providers = ["imdb"]\nimdb_suggest_url = "http://127.0.0.1:%s"\nimdb_url = "http://127.0.0.1:%s"\n' \
  "$META_PORT" "$META_PORT" >"$WORK/ott.toml"
OTT_PORT="$(free_port)"
OTT_URL="http://127.0.0.1:$OTT_PORT"
"$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$OTT_PORT" >"$WORK/ott.log" 2>&1 &
OTT_PID=$!
wait_ready "$OTT_URL/healthz" "$OTT_PID" "$WORK/ott.log"

log "CLI: ott upload"
t0="$(now)"
"$OTT_BIN" upload --server "$OTT_URL" --token "$TOKEN" --library "$LIBRARY" --imdb tt0078748 \
  "$WORK/Alien.1979.cli.mkv" >"$WORK/cli.log" 2>&1 ||
  { cat "$WORK/cli.log" >&2; fail "ott upload failed"; }
t1="$(now)"
CLI_S="$(seconds "$t0" "$t1")"

log "browser: the upload page in Chromium"
BROWSER_JSON="$(cd end2end && node ../bench/browser-upload.mjs "$OTT_URL" bench "$PASSWORD" "$LIBRARY" \
  "$WORK/The.Matrix.1999.browser.mkv")" || { tail -n 30 "$WORK/ott.log" >&2; fail "the browser upload failed"; }
BROWSER_S="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$BROWSER_JSON")"
PLAIN_S="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["plainSeconds"])' "$BROWSER_JSON")"
HEAP_MB="$(python3 -c 'import json,sys; print("%.1f" % (json.loads(sys.argv[1])["peakHeap"] / 1e6))' "$BROWSER_JSON")"

# Both files must be on disk whole.
STORED="$(find "$OTT_DATA" -path '*/tt*/*' -name '*.mkv' -size "${SIZE}c" | wc -l)"
[ "$STORED" = 2 ] || fail "expected 2 stored copies of $SIZE bytes, found $STORED"

CLI_MBS="$(mb_per_s "$CLI_S")"
BROWSER_MBS="$(mb_per_s "$BROWSER_S")"
PLAIN_MBS="$(mb_per_s "$PLAIN_S")"
RATIO="$(awk -v a="$CLI_S" -v b="$BROWSER_S" 'BEGIN { printf "%.2f", a / b }')"
PLAIN_RATIO="$(awk -v a="$PLAIN_S" -v b="$BROWSER_S" 'BEGIN { printf "%.2f", a / b }')"
SUMMARY="$(cat <<SUM
### Browser upload, $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), loopback)

$SIZE_MIB MiB of random bytes to one \`ott serve\` (release), timed from start to "Uploaded" (including \`end\`: ffprobe and the move into the library).

| Client | seconds | MB/s |
| --- | ---: | ---: |
| \`ott upload\` (CLI) | $CLI_S | $CLI_MBS |
| the upload page in Chromium (WASM, \`Blob.slice\` chunks) | $BROWSER_S | $BROWSER_MBS |
| a plain JavaScript \`fetch\` loop in the same page, same 8 MiB chunks (no \`end\`) | $PLAIN_S | $PLAIN_MBS |

Browser / CLI: **$RATIO** (goal ≥ 0.8). The uploader against the plain loop: $PLAIN_RATIO. Peak JS heap of the page while uploading: $HEAP_MB MB (goal < 100 MB).
SUM
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
