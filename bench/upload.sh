#!/usr/bin/env bash
# Upload throughput and server memory. Sends SIZE_MIB of random bytes over loopback to Debian's
# nginx (`dav_methods PUT`, the yardstick) and to `ott serve` with the chunked upload protocol;
# prints MB/s of both, their ratio (goal: ott >= 0.9 x nginx) and ott's RSS while the file grows
# (goal: under 100 MB, and flat). Everything lives in one temp dir, removed on exit with both
# servers. The summary goes to stdout, progress to stderr; paste it into docs/benchmarks.md.
#
#   bench/upload.sh                              2 GiB in 8 MiB chunks
#   SIZE_MIB=256 bench/upload.sh                 a quick run
#   bench/upload.sh --append docs/benchmarks.md  also append the summary to that file
#
# Environment: SIZE_MIB (2048), CHUNK_MIB (8), BENCH_DIR (parent of the temp dir, /tmp; it
# needs 3 x SIZE + 1 GiB free, because ott keeps 1 GiB in reserve), OTT_BIN (default: the
# release build, else the debug build), NGINX_BIN (/usr/sbin/nginx), KEEP=1 keeps the temp dir
# (logs, nginx config, RSS samples, server answers) for a post-mortem.
#
# The client is curl for both servers. nginx gets the whole file from one `curl -T`, before
# and after ott (a virtual machine's disk has slow moments; the faster run counts). ott gets
# init, then every chunk from ONE curl over one kept-alive connection, as a browser sends them,
# then end. The chunks are cut into files beforehand, outside the timing: with a `dd | curl`
# pair per chunk (two processes and a pipe each), nginx took 3.9 s for 256 MiB on the development
# machine while a build ran, against 0.9 s from one curl, so that client measured itself. To
# tell the cost of chunking itself from ott's, nginx also gets the same chunk files from the
# same one-curl client, each PUT over one file (nginx cannot append).

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

SIZE_MIB="${SIZE_MIB:-2048}"
CHUNK_MIB="${CHUNK_MIB:-8}"
need_whole_numbers SIZE_MIB CHUNK_MIB
SIZE=$((SIZE_MIB * 1024 * 1024))
CHUNK=$((CHUNK_MIB * 1024 * 1024))
CHUNKS=$(((SIZE + CHUNK - 1) / CHUNK))
RESERVE=$((1024 * 1024 * 1024))   # ott's default storage_reserve
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"

for tool in curl python3 sha256sum split; do
  command -v "$tool" >/dev/null || fail "$tool is missing"
done
if [ ! -x "$NGINX_BIN" ]; then
  fail "$NGINX_BIN is missing; install Debian's nginx: sudo apt-get install --no-install-recommends nginx"
fi
"$NGINX_BIN" -V 2>&1 | grep -q -- --with-http_dav_module ||
  fail "$NGINX_BIN was built without the WebDAV module, which dav_methods PUT needs"
find_ott

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }   # seconds FROM TO
mb_per_s() { awk -v s="$SIZE" -v t="$1" 'BEGIN { printf "%.1f", s / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }     # ratio A B: A / B
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }   # /proc's kB are KiB
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# json_get FIELD < JSON: one top-level field as text; jq when installed, else Python.
json_get() {
  if command -v jq >/dev/null; then
    jq -er --arg f "$1" '.[$f]'
  else
    python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
  fi
}

# The same client options for every request: no ~/.curlrc (-q must come first), no proxy from
# the environment, HTTP/1.1 as a browser on loopback would use, errors with the server's body,
# and no `Expect: 100-continue`, which curl adds to bodies over 1 MiB and browsers never send.
CURL=(curl -q -sS --http1.1 --noproxy '*' --fail-with-body -H 'Expect:')

# --- Servers and clean-up ----------------------------------------------------------------------
NGINX_PID="" OTT_PID="" SAMPLER_PID=""

# stop VAR: ends the process whose pid VAR holds (one this script started) and forgets it.
stop() {
  local pid="${!1}"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf -v "$1" '%s' ""
}

BENCH_DIR="${BENCH_DIR:-/tmp}"
mkdir -p "$BENCH_DIR"
WORK="$(mktemp -d "$BENCH_DIR/ott-upload-bench.XXXXXX")"
cleanup() {
  stop SAMPLER_PID
  stop OTT_PID
  stop NGINX_PID
  if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# At most three copies at a time (source + chunks + ott's or nginx's), and ott refuses an
# upload that would leave less than its reserve free.
avail=$(df -B1 --output=avail "$WORK" | tail -n1 | tr -d ' ')
need=$((3 * SIZE + RESERVE + 64 * 1024 * 1024))
[ "$avail" -ge "$need" ] ||
  fail "$WORK has $((avail / 1024 / 1024)) MiB free, the run needs $((need / 1024 / 1024)) MiB (set BENCH_DIR or SIZE_MIB)"

# --- The file ------------------------------------------------------------------------------------
SRC="$WORK/source.mkv"
log "writing $SIZE_MIB MiB of random bytes to $WORK"
head -c "$SIZE" /dev/urandom >"$SRC"
# Flushed now, so that writing it back does not overlap a timed upload. It stays in the page
# cache (as do the chunk files below), so every client reads from memory.
sync "$SRC"
SRC_SHA="$(sha256 "$SRC")"
MTIME_MS=$(($(stat -c %Y "$SRC") * 1000))

# --- nginx ---------------------------------------------------------------------------------------
NGX="$WORK/nginx"
mkdir -p "$NGX/www" "$NGX/tmp"
echo ready >"$NGX/www/ready"
NGINX_PORT="$(free_port)"
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
{
  # A master running as root hands the workers to `user` (www-data by default), which cannot
  # enter the private temp dir; as anyone else the directive is ignored with a warning.
  if [ "$(id -u)" = 0 ]; then echo "user root;"; fi
  cat <<EOF
# One worker: a single upload is one connection, served by one worker anyway.
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    # All temp paths in the temp dir: the compiled-in /var/lib/nginx ones need root. The body
    # temp shares a filesystem with root, so a finished PUT is a rename, as in ott.
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    client_max_body_size 0;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $NGX/www;
        location / {
            dav_methods PUT;
            create_full_put_path on;
        }
    }
}
EOF
} >"$NGX/nginx.conf"
# -e: the error log before the config is read; the compiled-in one is under /var/log.
NGINX_ARGS=(-p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log")
"$NGINX_BIN" -t -q "${NGINX_ARGS[@]}" || fail "nginx rejected $NGX/nginx.conf"
NGINX_VERSION="$("$NGINX_BIN" -v 2>&1 | sed 's|.*/||')"
log "starting nginx $NGINX_VERSION on $NGINX_URL"
"$NGINX_BIN" "${NGINX_ARGS[@]}" >"$NGX/stderr.log" 2>&1 &
NGINX_PID=$!
wait_ready "$NGINX_URL/ready" "$NGINX_PID" "$NGX/error.log"

# nginx_put RUN: one curl -T of the whole file; sets NGINX_S_<RUN> and NGINX_SYNC_S_<RUN>.
nginx_put() {
  local t0 t1 t2 stored_size
  log "nginx ($1): one curl -T of the whole file"
  t0="$(now)"
  "${CURL[@]}" -o /dev/null -T "$SRC" "$NGINX_URL/upload.bin"
  t1="$(now)"
  # nginx never fsyncs an upload; ott makes what it stores durable. This extra figure is nginx
  # plus one fsync of the finished file, for a like-for-like look at durability (the goal is
  # the plain one).
  sync "$NGX/www/upload.bin"
  t2="$(now)"
  printf -v "NGINX_S_$1" '%s' "$(seconds "$t0" "$t1")"
  printf -v "NGINX_SYNC_S_$1" '%s' "$(seconds "$t0" "$t2")"
  stored_size="$(stat -c %s "$NGX/www/upload.bin")"
  [ "$stored_size" = "$SIZE" ] || fail "nginx stored $stored_size bytes, not $SIZE"
  [ "$(sha256 "$NGX/www/upload.bin")" = "$SRC_SHA" ] || fail "nginx's copy differs from the source"
  rm "$NGX/www/upload.bin"
  local s="NGINX_S_$1" ss="NGINX_SYNC_S_$1"
  log "nginx ($1): ${!s} s, $(mb_per_s "${!s}") MB/s (${!ss} s with the fsync)"
}
# Before ott and again after it: the disk of a virtual machine has its slow moments (the
# discards of a deleted file, say), and the faster of the two is the yardstick.
nginx_put before

# The chunks as files 000001, 000002, ...; then the source goes, to save the space.
CHUNK_DIR="$WORK/chunks"
mkdir "$CHUNK_DIR"
split -b "$CHUNK" -a 6 --numeric-suffixes=1 "$SRC" "$CHUNK_DIR/"
sync "$CHUNK_DIR"/*
[ "$(find "$CHUNK_DIR" -type f | wc -l)" = "$CHUNKS" ] || fail "split made other than $CHUNKS chunks"

# chunk_config URL: a curl config that sends chunk 1, 2, ... in turn, each to URL with {K}
# replaced by its number and {OFFSET} by its first byte's offset. One curl runs it all, over one
# connection (curl pairs the n-th upload-file with the n-th url).
chunk_config() {
  local k off url
  for ((k = 1, off = 0; k <= CHUNKS; k++, off += CHUNK)); do
    url="${1//'{K}'/$k}"
    url="${url//'{OFFSET}'/$off}"
    printf 'upload-file = "%s/%06d"\nurl = "%s"\n' "$CHUNK_DIR" "$k" "$url"
  done
}
# One curl for every chunk: the same options for nginx and ott; -w ends each answer with a line
# break; --fail-early stops at the first refused chunk.
CHUNK_CURL=("${CURL[@]}" --fail-early -H 'Content-Type: application/octet-stream' -w '\n')

log "nginx: the same $CHUNKS x $CHUNK_MIB MiB chunk files from one curl"
chunk_config "$NGINX_URL/chunk.bin" >"$WORK/nginx-chunks.curl"
t0="$(now)"
"${CHUNK_CURL[@]}" -K "$WORK/nginx-chunks.curl" >/dev/null
t1="$(now)"
NGINX_CHUNKED_S="$(seconds "$t0" "$t1")"
log "nginx, chunked: $NGINX_CHUNKED_S s, $(mb_per_s "$NGINX_CHUNKED_S") MB/s"
rm -f "$NGX/www/chunk.bin"

# --- ott -----------------------------------------------------------------------------------------
OTT_DATA="$WORK/ott"   # same filesystem as the chunk files and nginx's root
OTT_LOG="$WORK/ott.log"
ott() { "$OTT_BIN" --data-dir "$OTT_DATA" "$@"; }
fail_ott() { tail -n 30 "$OTT_LOG" >&2 || true; fail "$*"; }

printf '%s\n' "bench-$RANDOM-$RANDOM-$RANDOM" | ott user create bench --password-stdin >/dev/null
TOKEN="$(ott token create --user bench)"
LIBRARY="$(ott library create --owner bench --name Movies)"
LIB_ID="$(json_get id <<<"$LIBRARY")"
LIB_PATH="$(json_get path <<<"$LIBRARY")"

OTT_PORT="$(free_port)"
OTT_URL="http://127.0.0.1:$OTT_PORT"
log "starting $OTT_BIN on $OTT_URL"
# The uploaded movie's metadata job must not reach out to the real providers.
printf 'metadata_providers = []\nimdb_suggest_url = "http://127.0.0.1:9"\n' >"$WORK/ott.toml"
"$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$OTT_PORT" >"$OTT_LOG" 2>&1 &
OTT_PID=$!
wait_ready "$OTT_URL/healthz" "$OTT_PID" "$OTT_LOG"

# The answers to the chunks, one a line ({"offset":...,"chunkNr":...}), as curl receives them.
# The RSS sampler reads how far the upload is from the last complete line.
ANSWERS="$WORK/ott-answers"
SAMPLES="$WORK/rss-samples"   # lines: unix time, bytes acknowledged, VmRSS in kB
: >"$ANSWERS"
OFFSET_RE='"offset": *([0-9]+)'

# rss_line ACKED: one sample of the server; prints nothing once it is gone.
rss_line() {
  local key value rest
  while read -r key value rest; do
    if [ "$key" = VmRSS: ]; then
      printf '%s %s %s\n' "$(now)" "$1" "$value"
      return 0
    fi
  done <"/proc/$OTT_PID/status" 2>/dev/null || true
}
# Every 0.2 s until stopped, with shell builtins but for date and sleep, to take little CPU from
# the upload. A spike shorter than 0.2 s can fall between samples; VmHWM (the kernel's own peak,
# read at the end) cannot miss it, though it also covers the server's start-up.
sample_rss() {
  local acked=0 line
  while [ -e "/proc/$OTT_PID" ]; do
    # A last line without its line break is still being written: read skips it.
    while read -r line; do
      if [[ $line =~ $OFFSET_RE ]]; then acked="${BASH_REMATCH[1]}"; fi
    done <"$ANSWERS"
    rss_line "$acked" >>"$SAMPLES"
    sleep 0.2
  done
}
sample_rss &
# shellcheck disable=SC2034  # read through ${!1} in stop
SAMPLER_PID=$!

API="$OTT_URL/api/upload"
AUTH=(-H "Authorization: Bearer $TOKEN")
log "ott: init, $CHUNKS x $CHUNK_MIB MiB from one curl, end"
t0="$(now)"
INIT_QUERY="filename=bench.mkv&size=$SIZE&lastModified=$MTIME_MS&library=$LIB_ID"
if ! init="$("${CURL[@]}" "${AUTH[@]}" -X POST "$API?type=init&$INIT_QUERY")"; then
  fail_ott "init failed: $init"
fi
UPLOAD_ID="$(json_get uploadId <<<"$init")"
[ "$(json_get offset <<<"$init")" = 0 ] || fail_ott "init did not start at offset 0: $init"
chunk_config "$API?type=chunk&uploadId=$UPLOAD_ID&chunkNr={K}&offset={OFFSET}" >"$WORK/ott-chunks.curl"
t_chunks="$(now)"
if ! "${CHUNK_CURL[@]}" "${AUTH[@]}" -X POST -K "$WORK/ott-chunks.curl" >"$ANSWERS"; then
  fail_ott "the chunks stopped after $(grep -c . "$ANSWERS") answers; the last: $(grep . "$ANSWERS" | tail -n1)"
fi
t_end="$(now)"
if ! finished="$("${CURL[@]}" "${AUTH[@]}" -X POST "$API?type=end&uploadId=$UPLOAD_ID&imdbId=tt0000001&mode=new")"; then
  fail_ott "end failed: $finished"
fi
t1="$(now)"
stop SAMPLER_PID
rss_line "$SIZE" >>"$SAMPLES"   # after end, which the last 0.2 s may have missed
HWM_KB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$OTT_PID/status")"
stop OTT_PID

OTT_S="$(seconds "$t0" "$t1")"
log "ott: $OTT_S s, $(mb_per_s "$OTT_S") MB/s (init $(seconds "$t0" "$t_chunks") s," \
  "chunks $(seconds "$t_chunks" "$t_end") s, end $(seconds "$t_end" "$t1") s)"

# Every chunk acknowledged, in order, with the offset it should have moved the upload to.
k=0
while read -r line; do
  k=$((k + 1))
  want=$((k * CHUNK < SIZE ? k * CHUNK : SIZE))
  if ! [[ $line =~ $OFFSET_RE ]] || [ "${BASH_REMATCH[1]}" != "$want" ]; then
    fail "chunk $k: the server answered $line, expected offset $want"
  fi
done <"$ANSWERS"
[ "$k" = "$CHUNKS" ] || fail "$k answers to $CHUNKS chunks"
STORED="$LIB_PATH/$(json_get path <<<"$finished")"
[ -f "$STORED" ] || fail "end answered $finished, but $STORED is not there"
[ "$(stat -c %s "$STORED")" = "$SIZE" ] || fail "ott stored $(stat -c %s "$STORED") bytes, not $SIZE"
[ "$(sha256 "$STORED")" = "$SRC_SHA" ] || fail "ott's copy ($STORED) differs from the source"
log "ott's copy matches the source (sha256)"

# RSS at 0/25/50/75/100 % of the bytes: the first sample whose acknowledged bytes are nearest
# each quarter (0 % is the idle server before init); then the sampled peak and the sample count.
read -r RSS0 RSS25 RSS50 RSS75 RSS100 PEAK_KB NSAMPLES < <(awk -v size="$SIZE" '
  function abs(x) { return x < 0 ? -x : x }
  { acked[NR] = $2; rss[NR] = $3; if ($3 > peak) peak = $3 }
  END {
    for (q = 0; q <= 4; q++) {
      best = 1
      for (i = 2; i <= NR; i++)
        if (abs(acked[i] - size * q / 4) < abs(acked[best] - size * q / 4)) best = i
      printf "%s ", rss[best]
    }
    printf "%s %d\n", peak, NR
  }' "$SAMPLES")

# --- nginx again ---------------------------------------------------------------------------------
nginx_put after
stop NGINX_PID
rm "$SRC"
faster() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
NGINX_S="$(faster "$NGINX_S_before" "$NGINX_S_after")"
NGINX_SYNC_S="$(faster "$NGINX_SYNC_S_before" "$NGINX_SYNC_S_after")"

# --- Summary -------------------------------------------------------------------------------------
CPU="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
RAM_GIB="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
FS="$(df --output=fstype "$WORK" | tail -n1)"
OTT_VERSION="$("$OTT_BIN" --version 2>/dev/null || echo ott)"
CURL_VERSION="$(curl --version | awk 'NR == 1 { print $1, $2 }')"
SUMMARY="$(cat <<EOF
## Upload throughput and server memory — $(date +%F)

\`bench/upload.sh\`: $SIZE_MIB MiB of random bytes over loopback (127.0.0.1, HTTP/1.1), ott in
$CHUNK_MIB MiB chunks. All files in one temp dir on $FS, read from the page cache. MB = 10^6 bytes.
Machine: $(uname -sr), $(nproc) cores (${CPU:-unknown CPU}), $RAM_GIB GiB RAM. nginx $NGINX_VERSION,
$CURL_VERSION, $OTT_VERSION (\`${OTT_BIN#"$ROOT"/}\`).

| upload | seconds | MB/s |
| --- | ---: | ---: |
| nginx \`dav_methods PUT\`, the whole file from one \`curl -T\` (before ott / after ott) | $NGINX_S_before / $NGINX_S_after | $(mb_per_s "$NGINX_S_before") / $(mb_per_s "$NGINX_S_after") |
| the same, then one \`sync\` of the stored file (nginx never fsyncs) | $NGINX_SYNC_S_before / $NGINX_SYNC_S_after | $(mb_per_s "$NGINX_SYNC_S_before") / $(mb_per_s "$NGINX_SYNC_S_after") |
| nginx, the $CHUNKS chunk files from one curl, each a \`PUT\` over one file | $NGINX_CHUNKED_S | $(mb_per_s "$NGINX_CHUNKED_S") |
| ott: init, the $CHUNKS chunk files from one curl (one connection), end | $OTT_S | $(mb_per_s "$OTT_S") |

ott / nginx (the faster nginx run): **$(ratio "$NGINX_S" "$OTT_S")** (goal ≥ 0.9). Against nginx given the same chunks:
$(ratio "$NGINX_CHUNKED_S" "$OTT_S"); against nginx including the fsync: $(ratio "$NGINX_SYNC_S" "$OTT_S").

ott's resident memory as the file grows (VmRSS sampled every 0.2 s, $NSAMPLES samples, at the
sample nearest each quarter of the bytes; VmHWM is the kernel's peak since start-up; MB = 10^6
bytes; goal: peak < 100 MB, and flat):

| idle | 25 % | 50 % | 75 % | 100 % | peak sampled | VmHWM |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| $(kb_to_mb "$RSS0") | $(kb_to_mb "$RSS25") | $(kb_to_mb "$RSS50") | $(kb_to_mb "$RSS75") | $(kb_to_mb "$RSS100") | $(kb_to_mb "$PEAK_KB") | $(kb_to_mb "$HWM_KB") |
EOF
)"
printf '%s\n' "$SUMMARY"
if [ -n "$APPEND" ]; then
  printf '\n%s\n' "$SUMMARY" >>"$APPEND"
  log "appended the summary to $APPEND"
fi
