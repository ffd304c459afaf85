#!/usr/bin/env bash
# Playback in every mode (direct, remux, audio, transcode) of a 1080p film of MINUTES minutes
# (ffmpeg's test pattern with film-grain-like noise, so that it is not unrealistically easy to
# encode; H.264 with a keyframe every 2 s, AC-3 5.1, in MKV; made once and kept in BENCH_DIR). The mode is chosen by the browser report sent, as a player would. Per mode: the
# time from asking to having the first segment (start) and the segment at 90% (seek), ffmpeg's
# CPU seconds per minute of video and its speed, a plain ffmpeg doing the same conversion (the
# yardstick), and how many sessions read at once keep up with real time, with the server's and
# ffmpeg's RSS then. Direct play is measured against nginx serving the same file. Goals (issue
# 22): start and seek < 1.5 s (copy modes), < 4 s (transcode); 10 audio sessions in real time;
# a 720p transcode at 1.5x real time or more; server RSS < 150 MB with 10 sessions.
#
#   bench/playback.sh                              10 minutes, 60 s read per session
#   MINUTES=2 CONTENT=30 bench/playback.sh         a quick run
#   bench/playback.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: MINUTES (10), CONTENT (seconds of video each session reads; 60), TRIES (3),
# AUDIO_SESSIONS ("1 4 8 10 16 24 32"), TRANSCODE_SESSIONS ("1 2"), BENCH_DIR (/tmp),
# OTT_BIN (default: the release build, else the debug build), NGINX_BIN (/usr/sbin/nginx),
# KEEP=1 keeps the temp dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

MINUTES="${MINUTES:-10}"
export CONTENT="${CONTENT:-60}" TRIES="${TRIES:-3}"
need_whole_numbers MINUTES CONTENT TRIES
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
for tool in curl python3 ffmpeg pgrep; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[ -x "$NGINX_BIN" ] || fail "$NGINX_BIN is missing; install Debian's nginx"
find_ott

OTT_PID="" NGINX_PID=""
stop() { local pid="${!1}"; [ -n "$pid" ] || return 0; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; printf -v "$1" '%s' ""; }
BENCH_DIR="${BENCH_DIR:-/tmp}"
mkdir -p "$BENCH_DIR"
WORK="$(mktemp -d "$BENCH_DIR/ott-playback-bench.XXXXXX")"
cleanup() { stop OTT_PID; stop NGINX_PID; if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the film, made once ---------------------------------------------------------------------------
FILM="$BENCH_DIR/ott-playback-film-${MINUTES}min-noise.mkv"
if [ ! -s "$FILM" ]; then
  log "making a ${MINUTES}-minute 1080p film (H.264, AC-3 5.1) in $FILM"
  ffmpeg -v error -nostdin -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=24:duration=$((MINUTES * 60))" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$((MINUTES * 60))" \
    -map 0:v -map 1:a -vf noise=alls=8:allf=t -c:v libx264 -preset ultrafast -crf 26 -pix_fmt yuv420p \
    -x264-params keyint=48:min-keyint=48:scenecut=0 -c:a ac3 -ac 6 -b:a 448k "$FILM.partial.mkv"
  mv "$FILM.partial.mkv" "$FILM"
fi

# --- ott, with the film in its library -------------------------------------------------------------
OTT_DATA="$WORK/ott"
OTT_LOG="$WORK/ott.log"
ott() { "$OTT_BIN" --data-dir "$OTT_DATA" "$@"; }
printf '%s\n' "bench-$RANDOM-$RANDOM-$RANDOM" | ott user create bench --password-stdin >/dev/null
TOKEN="$(ott token create --user bench)"
LIBRARY="$(ott library create --owner bench --name Movies)"
LIBRARY_ID="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$LIBRARY")"
OTT_PORT="$(free_port)"
OTT_URL="http://127.0.0.1:$OTT_PORT"
# Limits high enough to find where real time ends, not where the defaults refuse.
printf 'metadata_providers = []\nimdb_suggest_url = "http://127.0.0.1:9"\ntranscode_limit = 16\ncopy_session_limit = 64\n' >"$WORK/ott.toml"
log "starting $OTT_BIN on $OTT_URL"
"$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$OTT_PORT" >"$OTT_LOG" 2>&1 &
OTT_PID=$!
wait_ready "$OTT_URL/healthz" "$OTT_PID" "$OTT_LOG"
log "uploading the film"
ott upload --server "$OTT_URL" --token "$TOKEN" --library "$LIBRARY_ID" --imdb tt0133093 \
  "$FILM" >/dev/null 2>"$WORK/upload.log" || { cat "$WORK/upload.log" >&2; fail "the upload failed"; }
CURL=(curl -q -sS --noproxy '*' --fail-with-body -H "Authorization: Bearer $TOKEN")
FILE_ID="$("${CURL[@]}" "$OTT_URL/api/movies/tt0133093?library=$LIBRARY_ID" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["id"])')"
STORED="$(find "$OTT_DATA" -path '*tt0133093*' -name 'movie.*' -type f | head -n1)"
log "waiting for the film's analysis"
for ((i = 0; i < 600; i++)); do
  "${CURL[@]}" "$OTT_URL/api/files/$FILE_ID/watch" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("playback") else 1)' && break
  sleep 0.5
done

# --- nginx, serving the very same file -------------------------------------------------------------
NGX="$WORK/nginx"
mkdir -p "$NGX/www"
ln "$STORED" "$NGX/www/movie.mkv"
start_static_nginx "$NGX"

cat "$STORED" >/dev/null

TABLE="$(OTT_URL="$OTT_URL" TOKEN="$TOKEN" FILE_ID="$FILE_ID" NGINX_URL="$NGINX_URL" \
  SOURCE="$STORED" OTT_PID="$OTT_PID" OTT_DATA="$OTT_DATA" GOP_SECONDS=2 python3 bench/playback.py)" ||
  { tail -n 30 "$OTT_LOG" >&2; fail "the measurements failed"; }

SUMMARY="$(cat <<EOF
### Playback, $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), $(ffmpeg -version | head -n1 | cut -d' ' -f1-3))

A ${MINUTES}-minute 1080p24 film (test pattern with noise; H.264, keyframe every 2 s, AC-3 5.1, MKV, $(du -m "$STORED" | cut -f1) MiB), read over
loopback; each session reads ${CONTENT} s of video as fast as it is made; start and seek are medians of ${TRIES}.
Transcodes are 720p (a 2-core server counts as slow). \`$(basename "$OTT_BIN")\` from \`${OTT_BIN#"$CARGO_TARGET_DIR/"}\`.

$TABLE
EOF
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
