#!/usr/bin/env bash
# Bucket libraries against the bucket itself. A real SeaweedFS (the test suite's, from
# .tools/seaweed-venv) holds one bucket; `ott serve` has a library in it and one in a folder.
# One file of SIZE_MIB random bytes is
#   uploaded: by `ott upload` into the bucket library (in the chunks the server suggests for a
#     bucket, four parts of 8 MiB, each part of a multipart upload, the four of a chunk sent
#     together, written straight to the file's place since the CLI names the movie at `init`),
#     by `ott upload` into the folder library (chunks of CHUNK_MIB), and straight into the bucket
#     with curl: one signed PUT (the yardstick), and a multipart upload in parts of CHUNK_MIB
#     one after the other (what the store allows a client that sends one part at a time);
#   streamed: by curl from ott's /stream of the bucket file (proxied ranged reads), from the
#     bucket directly (signed GET), and from ott's /stream of the folder file.
# RUNS times each, alternating; the fastest run counts. Prints MB/s, the ratios to the direct
# figures (goal: >= 0.8) and ott's peak RSS while uploading into each library and while
# streaming (goal: < 150 MB), and the CPU seconds each process (ott, its CLI or curl, SeaweedFS)
# spent on the last run's uploads; the log has each upload's peak RSS and CPU. Summary on stdout.
#
#   bench/bucket.sh                              2 GiB, 2 runs each
#   SIZE_MIB=256 RUNS=1 bench/bucket.sh          a quick run
#   bench/bucket.sh --append docs/benchmarks.md
#
# Environment: SIZE_MIB (2048), RUNS (2), CHUNK_MIB (8: ott's upload_chunk_size, which a
# bucket library raises to 32 MiB, and the direct multipart upload's part size), BENCH_DIR (/tmp; needs 5 x SIZE + 1 GiB free),
# SIGN_PAYLOAD (false: ott's requests to the store say UNSIGNED-PAYLOAD, as curl's do: curl
# leaves the body out of its signature; true measures the default for an http:// endpoint),
# OTT_BIN (default: the release build, else the debug build), WEED (.tools/seaweed-venv/bin/weed),
# KEEP=1 keeps the temp dir.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

SIZE_MIB="${SIZE_MIB:-2048}"
RUNS="${RUNS:-2}"
CHUNK_MIB="${CHUNK_MIB:-8}"
SIGN_PAYLOAD="${SIGN_PAYLOAD:-false}"
case "$SIGN_PAYLOAD" in true | false) ;; *) fail "SIGN_PAYLOAD is true or false, not $SIGN_PAYLOAD" ;; esac
need_whole_numbers SIZE_MIB RUNS CHUNK_MIB
SIZE=$((SIZE_MIB * 1024 * 1024))
WEED="${WEED:-$ROOT/.tools/seaweed-venv/bin/weed}"
[ -x "$WEED" ] || fail "$WEED is missing; scripts/test installs SeaweedFS into .tools/"
for tool in curl python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
find_ott
mb_per_s() { awk -v s="$SIZE" -v t="$1" 'BEGIN { printf "%.1f", s / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
best() { printf '%s\n' "$@" | sort -g | head -n1; }
CURL=(curl -q -sS --http1.1 --noproxy '*' --fail-with-body)

WEED_PID="" OTT_PID=""
stop() { local pid="${!1}"; [ -n "$pid" ] || return 0; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; printf -v "$1" '%s' ""; }
BENCH_DIR="${BENCH_DIR:-/tmp}"
mkdir -p "$BENCH_DIR"
WORK="$(mktemp -d "$BENCH_DIR/ott-bucket-bench.XXXXXX")"
# weed takes its time over SIGTERM; its data is thrown away anyway.
cleanup() { stop OTT_PID; [ -z "$WEED_PID" ] || kill -9 "$WEED_PID" 2>/dev/null; stop WEED_PID; if [ -n "${KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- SeaweedFS: one process, one identity, one bucket (flags as in server/tests/it/seaweed.rs) -----
KEY="bench" SECRET="bench-secret-$RANDOM$RANDOM" BUCKET="movies"
mkdir -p "$WORK/weed/data"
cat >"$WORK/weed/s3.json" <<EOF
{"identities": [{"name": "bench", "credentials": [{"accessKey": "$KEY", "secretKey": "$SECRET"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
P=()
for _ in 1 2 3 4 5 6 7 8; do P+=("$(free_port)"); done
S3="http://127.0.0.1:${P[6]}"
log "starting SeaweedFS (S3 on $S3)"
# -volume.max=0: as many 1 GiB volumes as the disk has room for (the default, 8, was full after a
# few 2 GiB runs: deleted objects keep their room until SeaweedFS vacuums).
(cd "$WORK/weed" && exec env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$WEED" -logtostderr server \
  -dir="$WORK/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.peers=none \
  -master.port="${P[0]}" -master.port.grpc="${P[1]}" -master.telemetry=false \
  -master.volumeSizeLimitMB=1024 -volume.max=0 -volume.port="${P[2]}" -volume.port.grpc="${P[3]}" \
  -filer -filer.port="${P[4]}" -filer.port.grpc="${P[5]}" \
  -s3 -s3.port="${P[6]}" -s3.port.grpc="${P[7]}" -s3.port.iceberg=0 -s3.port.lance=0 \
  -s3.autoCreateBucket=false -s3.config="$WORK/weed/s3.json") >"$WORK/weed/log" 2>&1 &
WEED_PID=$!
for ((i = 0; i < 300; i++)); do
  [ "$(curl -q -s --noproxy '*' -o /dev/null -w '%{http_code}' "$S3/")" = 403 ] &&
    curl -q -s --noproxy '*' "http://127.0.0.1:${P[0]}/dir/status" | grep -q "127.0.0.1:${P[2]}" && break
  kill -0 "$WEED_PID" 2>/dev/null || { cat "$WORK/weed/log" >&2; fail "SeaweedFS exited"; }
  sleep 0.1
done
"${CURL[@]}" -X POST -o /dev/null "http://127.0.0.1:${P[4]}/buckets/$BUCKET/" || fail "could not make the bucket"
SIGN=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$KEY:$SECRET")

# --- ott, with a bucket library and a folder library -------------------------------------------------
OTT_DATA="$WORK/ott"
OTT_LOG="$WORK/ott.log"
cat >"$WORK/ott.toml" <<EOF
metadata_providers = []
imdb_suggest_url = "http://127.0.0.1:9"
upload_chunk_size = $((CHUNK_MIB * 1024 * 1024))
[object_stores.home]
endpoint = "$S3"
access_key_id = "$KEY"
secret_access_key = "$SECRET"
sign_payload = $SIGN_PAYLOAD
EOF
ott() { "$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" "$@"; }
printf '%s\n' "bench-$RANDOM-$RANDOM-$RANDOM" | ott user create bench --password-stdin >/dev/null
TOKEN="$(ott token create --user bench)"
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
BUCKET_LIB="$(ott library create --owner bench --name Bucket --path "s3://home/$BUCKET/ott" | id_of)"
FOLDER_LIB="$(ott library create --owner bench --name Folder | id_of)"
OTT_PORT="$(free_port)"
OTT_URL="http://127.0.0.1:$OTT_PORT"
log "starting $OTT_BIN on $OTT_URL"
# The binary itself, not the function: its peak RSS is read at the end.
"$OTT_BIN" --data-dir "$OTT_DATA" --config "$WORK/ott.toml" serve --addr "127.0.0.1:$OTT_PORT" >"$OTT_LOG" 2>&1 &
OTT_PID=$!
wait_ready "$OTT_URL/healthz" "$OTT_PID" "$OTT_LOG"
AUTH=(-H "Authorization: Bearer $TOKEN")

log "writing $SIZE_MIB MiB of random bytes"
head -c "$SIZE" /dev/urandom >"$WORK/movie.mp4"
cat "$WORK/movie.mp4" >/dev/null

# ott's peak RSS (VmHWM, KiB) since the last `reset_peak`.
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$OTT_PID/status"; }
reset_peak() { echo 5 >"/proc/$OTT_PID/clear_refs"; }
# A process's CPU time so far (user + system), in clock ticks: ott's by default.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${1:-$OTT_PID}/stat"; }
TICKS_PER_S="$(getconf CLK_TCK)"
seconds_since() { awk -v a="$1" -v b="$2" -v hz="$TICKS_PER_S" 'BEGIN { printf "%.1f\n", (b - a) / hz }'; }
# The CPU the client of an upload (the CLI, curl) spent, in seconds: bash's `time` into $WORK/client.time.
TIMEFORMAT='%U %S'
client_cpu() { awk '{ printf "%.1f\n", $1 + $2 }' "$WORK/client.time"; }
# upload_ott LIBRARY IMDB: uploads the file with the CLI, then deletes it again (so the next run
# uploads anew); prints the seconds the upload took. ott's peak RSS during the upload (MiB) goes
# to $WORK/peak, the CPU seconds ott, the CLI and SeaweedFS spent on it to $WORK/cpu, the
# highest peak of the runs (KiB) to $WORK/peak.LIBRARY.
upload_ott() {
  local library="$1" imdb="$2" t0 t1 file_id peak ticks weed
  reset_peak
  ticks="$(cpu_ticks)" weed="$(cpu_ticks "$WEED_PID")"
  t0=$(date +%s.%N)
  { time ott upload --server "$OTT_URL" --token "$TOKEN" --library "$library" --imdb "$imdb" \
    "$WORK/movie.mp4" >/dev/null 2>"$WORK/upload.log"; } 2>"$WORK/client.time" ||
    { cat "$WORK/upload.log" >&2; fail "the upload failed"; }
  t1=$(date +%s.%N)
  peak="$(peak_kb)"
  echo $((peak / 1024)) >"$WORK/peak"
  echo "ott $(seconds_since "$ticks" "$(cpu_ticks)") s, the CLI $(client_cpu) s, SeaweedFS $(seconds_since "$weed" "$(cpu_ticks "$WEED_PID")") s" >"$WORK/cpu"
  [ "$peak" -le "$(cat "$WORK/peak.$library" 2>/dev/null || echo 0)" ] || echo "$peak" >"$WORK/peak.$library"
  file_id="$(file_of "$library" "$imdb")"
  "${CURL[@]}" "${AUTH[@]}" -X DELETE -o /dev/null "$OTT_URL/api/files/$file_id" || fail "could not delete the upload"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
file_of() {
  "${CURL[@]}" "${AUTH[@]}" "$OTT_URL/api/movies/$2?library=$1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["id"])'
}
# One signed PUT; prints its seconds. The CPU seconds curl and SeaweedFS spent go to $WORK/cpu.
upload_direct() {
  local weed
  weed="$(cpu_ticks "$WEED_PID")"
  { time "${CURL[@]}" "${SIGN[@]}" -T "$WORK/movie.mp4" -o /dev/null -w '%{time_total}\n' "$S3/$BUCKET/direct/movie.mp4"; } 2>"$WORK/client.time" ||
    fail "the direct upload failed"
  echo "curl $(client_cpu) s, SeaweedFS $(seconds_since "$weed" "$(cpu_ticks "$WEED_PID")") s" >"$WORK/cpu"
}
# The same multipart upload as ott's, by curl: start, the parts one after the other, complete.
# (curl signs `?uploads=`, not `?uploads`.)
upload_parts() {
  local url="$S3/$BUCKET/direct/parts.mp4" id n=0 t0 t1 etag part
  t0=$(date +%s.%N)
  id="$("${CURL[@]}" "${SIGN[@]}" -X POST "$url?uploads=" | sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p')"
  [ -n "$id" ] || fail "could not start a multipart upload"
  printf '<CompleteMultipartUpload>' >"$WORK/complete.xml"
  for part in "$WORK"/parts/*; do
    n=$((n + 1))
    etag="$("${CURL[@]}" "${SIGN[@]}" -T "$part" -o /dev/null -D - "$url?partNumber=$n&uploadId=$id" |
      tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')"
    printf '<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>' "$n" "$etag" >>"$WORK/complete.xml"
  done
  printf '</CompleteMultipartUpload>' >>"$WORK/complete.xml"
  # (-T: curl signs a body it sends from a file as it signs the parts; --data it did not.)
  "${CURL[@]}" "${SIGN[@]}" -X POST -T "$WORK/complete.xml" -o "$WORK/completed.xml" "$url?uploadId=$id" ||
    fail "could not complete the multipart upload"
  grep -q CompleteMultipartUploadResult "$WORK/completed.xml" || fail "the store did not complete the upload: $(cat "$WORK/completed.xml")"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
mkdir "$WORK/parts"
split -b $((CHUNK_MIB * 1024 * 1024)) -a 5 -d "$WORK/movie.mp4" "$WORK/parts/part."

# A fresh SeaweedFS makes its volumes on the first writes, which made the first upload of the
# first run several times slower than later ones: one untimed upload first.
log "warming up SeaweedFS (one untimed upload)"
upload_direct >/dev/null

UP_BUCKET=() UP_FOLDER=() UP_DIRECT=() UP_PARTS=()
for ((run = 1; run <= RUNS; run++)); do
  t="$(upload_direct)"; UP_DIRECT+=("$t"); CPU_DIRECT="$(cat "$WORK/cpu")"; log "upload run $run, straight into the bucket: $(mb_per_s "$t") MB/s, CPU: $CPU_DIRECT"
  t="$(upload_parts)"; UP_PARTS+=("$t"); log "upload run $run, straight into the bucket in $CHUNK_MIB MiB parts: $(mb_per_s "$t") MB/s"
  t="$(upload_ott "$BUCKET_LIB" tt0133093)"; UP_BUCKET+=("$t"); CPU_BUCKET="$(cat "$WORK/cpu")"; log "upload run $run, ott into the bucket: $(mb_per_s "$t") MB/s, peak RSS $(cat "$WORK/peak") MiB, CPU: $CPU_BUCKET"
  t="$(upload_ott "$FOLDER_LIB" tt0133093)"; UP_FOLDER+=("$t"); CPU_FOLDER="$(cat "$WORK/cpu")"; log "upload run $run, ott into a folder: $(mb_per_s "$t") MB/s, peak RSS $(cat "$WORK/peak") MiB, CPU: $CPU_FOLDER"
done

RSS_BUCKET_KB="$(cat "$WORK/peak.$BUCKET_LIB")" RSS_FOLDER_KB="$(cat "$WORK/peak.$FOLDER_LIB")"
# The peak is measured again for the streams.
reset_peak

# One copy of each stays for the streams.
ott upload --server "$OTT_URL" --token "$TOKEN" --library "$BUCKET_LIB" --imdb tt0133093 "$WORK/movie.mp4" >/dev/null 2>&1 || fail "upload"
ott upload --server "$OTT_URL" --token "$TOKEN" --library "$FOLDER_LIB" --imdb tt0133093 "$WORK/movie.mp4" >/dev/null 2>&1 || fail "upload"
rm -r "$WORK/movie.mp4" "$WORK/parts"
BUCKET_FILE="$(file_of "$BUCKET_LIB" tt0133093)"
FOLDER_FILE="$(file_of "$FOLDER_LIB" tt0133093)"

get() {
  local name="$1" url="$2" out; shift 2
  out="$("${CURL[@]}" "$@" -o /dev/null -w '%{size_download} %{time_total}' "$url")" || fail "$name: the download failed"
  [ "${out%% *}" = "$SIZE" ] || fail "$name sent ${out%% *} bytes, not $SIZE"
  echo "${out#* }"
}
DOWN_BUCKET=() DOWN_FOLDER=() DOWN_DIRECT=()
for ((run = 1; run <= RUNS; run++)); do
  t="$(get direct "$S3/$BUCKET/direct/movie.mp4" "${SIGN[@]}")"; DOWN_DIRECT+=("$t"); log "stream run $run, straight from the bucket: $(mb_per_s "$t") MB/s"
  t="$(get bucket "$OTT_URL/stream/$BUCKET_FILE" "${AUTH[@]}")"; DOWN_BUCKET+=("$t"); log "stream run $run, ott from the bucket: $(mb_per_s "$t") MB/s"
  t="$(get folder "$OTT_URL/stream/$FOLDER_FILE" "${AUTH[@]}")"; DOWN_FOLDER+=("$t"); log "stream run $run, ott from a folder: $(mb_per_s "$t") MB/s"
done
RSS_DOWN_KB="$(peak_kb)"

UP="$(best "${UP_PARTS[@]}")"
UD="$(best "${UP_DIRECT[@]}")" UB="$(best "${UP_BUCKET[@]}")" UF="$(best "${UP_FOLDER[@]}")"
DD="$(best "${DOWN_DIRECT[@]}")" DB="$(best "${DOWN_BUCKET[@]}")" DF="$(best "${DOWN_FOLDER[@]}")"
PER_RUN=""
for ((i = 0; i < RUNS; i++)); do PER_RUN+="$(ratio "${UP_DIRECT[$i]}" "${UP_BUCKET[$i]}") "; done
SUMMARY="$(cat <<EOF
### Bucket libraries, $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -m), SeaweedFS $("$WEED" version 2>/dev/null | awk 'NR == 1 { print $3 }'))

| | upload MB/s | ratio to direct | stream MB/s | ratio to direct |
| --- | ---: | ---: | ---: | ---: |
| straight into / from the bucket (curl, signed, one request) | $(mb_per_s "$UD") | | $(mb_per_s "$DD") | |
| straight into the bucket, multipart in $CHUNK_MIB MiB parts (curl) | $(mb_per_s "$UP") | $(ratio "$UD" "$UP") | | |
| ott, bucket library | $(mb_per_s "$UB") | $(ratio "$UD" "$UB") ($(ratio "$UP" "$UB") of multipart) | $(mb_per_s "$DB") | $(ratio "$DD" "$DB") |
| ott, folder library | $(mb_per_s "$UF") | $(ratio "$UD" "$UF") | $(mb_per_s "$DF") | $(ratio "$DD" "$DF") |

$SIZE_MIB MiB file, ott's upload_chunk_size $CHUNK_MIB MiB (a bucket library's chunks: four parts of 8 MiB),
\`sign_payload = $SIGN_PAYLOAD\`, best of $RUNS, everything over loopback on one machine. ott into the
bucket against one PUT, run by run: ${PER_RUN% }. ott's peak RSS while uploading
$((RSS_BUCKET_KB / 1024)) MiB into the bucket, $((RSS_FOLDER_KB / 1024)) MiB into the folder; $((RSS_DOWN_KB / 1024)) MiB while streaming
($(basename "$(dirname "$OTT_BIN")") build). CPU seconds spent on the last run's uploads: one PUT: $CPU_DIRECT;
ott into the bucket: $CPU_BUCKET; ott into the folder: $CPU_FOLDER.
EOF
)"
echo "$SUMMARY"
if [ -n "$APPEND" ]; then printf '\n%s\n' "$SUMMARY" >>"$APPEND"; log "appended to $APPEND"; fi
