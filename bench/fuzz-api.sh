#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis (from the Python package registry, into .tools/) against
# a real `ott serve` on a fresh data dir, logged in with an administrator's API token and with
# one library holding one uploaded movie. Every operation in /api/openapi.json is called with
# generated valid and invalid input; a run passes when no answer is a 5xx and every answer
# matches its documented status codes, content type and schema. Not a benchmark: a check that
# takes minutes, run by hand or before a release (docs/security.md).
#
#   bench/fuzz-api.sh                 a quick pass (MAX_EXAMPLES=20 per operation)
#   MAX_EXAMPLES=200 bench/fuzz-api.sh
#
# Environment: MAX_EXAMPLES (20), SEED (a fixed seed makes a run repeatable; scripts/test uses
# one), OTT_BIN (default: the release build, else the debug build), KEEP=1 keeps the temp dir
# and the report. schemathesis (the version in scripts/setup.sh) is installed if missing.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
need_whole_numbers MAX_EXAMPLES
find_ott
install_fuzzer
VENV="$ROOT/.tools/fuzz-venv"

OTT_PID="" METADATA_PID=""
WORK="$(mktemp -d /tmp/ott-fuzz.XXXXXX)"
cleanup() {
  for pid in "$OTT_PID" "$METADATA_PID"; do
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  done
  if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA="$WORK/data"
ott() { "$OTT_BIN" --data-dir "$DATA" "$@"; }
printf '%s\n' "fuzz-$RANDOM-$RANDOM-$RANDOM" | ott user create fuzz --password-stdin --admin >/dev/null
TOKEN="$(ott token create --user fuzz)"
LIBRARY_ID="$(ott library create --owner fuzz --name Movies | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
# The browser tests' stand-in for IMDb: the fuzzer never reaches the internet, and a movie
# search answers as it would with IMDb up.
METADATA_PORT="$(free_port)"
node "$ROOT/end2end/fixtures/metadata-server.mjs" "$METADATA_PORT" >"$WORK/metadata.log" 2>&1 &
METADATA_PID=$!
printf 'metadata_providers = ["imdb"]\nimdb_suggest_url = "http://127.0.0.1:%s"\nimdb_url = "http://127.0.0.1:%s"\n' \
  "$METADATA_PORT" "$METADATA_PORT" >"$WORK/ott.toml"
log "starting $OTT_BIN on $URL"
"$OTT_BIN" --data-dir "$DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$PORT" >"$WORK/ott.log" 2>&1 &
OTT_PID=$!
wait_ready "$URL/healthz" "$OTT_PID" "$WORK/ott.log"

log "uploading a small movie so that ids in the data exist"
ffmpeg -v error -f lavfi -i testsrc=size=320x240:rate=24 -f lavfi -i sine -t 2 -c:v libx264 -c:a aac \
  -y "$WORK/The Matrix (1999).mp4"
ott upload --server "$URL" --token "$TOKEN" --library "$LIBRARY_ID" --imdb tt0133093 --yes \
  "$WORK/The Matrix (1999).mp4" >/dev/null 2>"$WORK/upload.log" || { cat "$WORK/upload.log" >&2; fail "the upload failed"; }

log "fuzzing $URL/api/openapi.json ($MAX_EXAMPLES examples per operation)"
status=0
# One worker: hypothesis's source inspection is not thread-safe (a runtime error with 2).
# Operations that could end the fuzzer's own access are left out: logging out, revoking
# tokens (and invites, which share the operation name), removing libraries (and categories),
# and the password change.
# From the temp dir: schemathesis keeps a .schemathesis folder where it runs.
(cd "$WORK" && "$VENV/bin/schemathesis" run "$URL/api/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id logout --exclude-operation-id revoke \
  --exclude-operation-id remove --exclude-operation-id change_password \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" --workers 1 --request-timeout 30 \
  --suppress-health-check all --no-color \
  $(if [ -n "${SEED:-}" ]; then echo "--seed $SEED --generation-deterministic"; else echo "--generation-database none"; fi) \
  --report junit --report-dir "$WORK/report") || status=$?
if grep -q ' 500 \| 50[0-9] ' "$WORK/ott.log" 2>/dev/null; then
  log "the server logged 5xx answers:"; grep ' 50[0-9] ' "$WORK/ott.log" | head -20 >&2
fi
if grep -qi 'panicked' "$WORK/ott.log"; then
  log "the server panicked:"; grep -i -A3 'panicked' "$WORK/ott.log" | head -40 >&2; status=1
fi
[ "$status" = 0 ] && log "no failures" || log "schemathesis found failures (exit $status)"
exit "$status"
