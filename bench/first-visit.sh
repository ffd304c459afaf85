#!/usr/bin/env bash
# What a first visit downloads, measured in Chromium: the site bundle's files (`/pkg/…`: the
# main WASM module, the page's own module and the chunks it shares with other pages, the JS
# glue, the split loader, the CSS) that a browser with an empty cache loads until the page is
# hydrated, summed raw, gzip -9 and brotli 11, and what the browser received. Four visits: a visitor
# opening the server (sent to the login page); a logged-in user's home, and a movie page (a
# library of 50 seeded movies); and a first session in one browser (the login page, then
# home, then a movie page: each file counted once, as the browser's cache keeps it).
# Measures the site already built (`bench/wasm-size.sh` builds the release one).
#
#   bench/first-visit.sh                              the site in target/site
#   SITE=/tmp/old-site bench/first-visit.sh           another build of it
#   bench/first-visit.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: SITE (target/site), OTT_BIN (default: the release build, else the debug build;
# its server functions must match the site's), KEEP=1 keeps the temp dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

SITE="$(realpath -m -- "${SITE:-target/site}")"
[ -f "$SITE/pkg/ott.wasm" ] || fail "no site in $SITE (build one with bench/wasm-size.sh)"
find_ott
[ -d end2end/node_modules/@playwright/test ] || (cd end2end && npm ci --no-audit --no-fund >&2)

WORK="$(mktemp -d "${BENCH_DIR:-/tmp}/ott-first-visit.XXXXXX")"
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
ott dev seed --owner bench --movies 50 --collections 5 --genres 5 >"$WORK/library.json"

PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
printf 'metadata_providers = []\n' >"$WORK/ott.toml"
LEPTOS_SITE_ROOT="$SITE" RUST_LOG=warn "$OTT_BIN" --data-dir "$WORK/data" --config "$WORK/ott.toml" \
  serve --addr "127.0.0.1:$PORT" >"$WORK/ott.log" 2>&1 &
OTT_PID=$!
wait_ready "$URL/healthz" "$OTT_PID" "$WORK/ott.log"
COOKIE="$(curl -q -sS --noproxy '*' --fail-with-body -D - -o /dev/null -H 'content-type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" "$URL/api/auth/login" |
  sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -n1)"
LIBRARY_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$WORK/library.json")"
MOVIE="$(curl -q -sS --noproxy '*' --fail-with-body -H "Cookie: $COOKIE" "$URL/api/movies?library=$LIBRARY_ID" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["imdbId"])')"

log "visiting $URL in Chromium"
JSON="$(cd end2end && node ../bench/first-visit.mjs "$URL" bench "$PASSWORD" "$SITE" "$MOVIE")"

SUMMARY="$(python3 - "$JSON" "$SITE" <<'EOF'
import json, sys, datetime
visits, site = json.loads(sys.argv[1]), sys.argv[2]
print(f"### First visit, {datetime.date.today()} (bench/first-visit.sh, Debian Chromium, empty cache)")
print()
print(f"Site: `{site}`. Files of `/pkg/` loaded until the page is hydrated and the network is quiet: their sizes raw, gzip -9 and brotli 11, and what the browser received from the server.")
print()
print("| visit | ends on | files | bytes | gzip -9 | of which WASM | brotli 11 | received (encoding) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for v in visits:
    print(f"| {v['name']} | `{v['landed']}` | {v['files']} | {v['raw']:,} | **{v['gzip']:,}** | {v['wasmGzip']:,} | {v['brotli']:,} | {v['sent']:,} ({v['encodings']}) |")
EOF
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
