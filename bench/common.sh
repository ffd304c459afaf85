# What the scripts in bench/ share: the repository's setup, their arguments, the ott binary,
# free ports and waiting for a server. Sourced, not run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

# shellcheck source=../scripts/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

# Decimal points, not commas, in awk's output whatever the caller's locale.
export LC_ALL=C

# --append FILE (also append the summary there) and --help (the script's header comment).
BENCH_SCRIPT="${BASH_SOURCE[1]}"
APPEND=""
while [ $# -gt 0 ]; do
  case "$1" in
    --append) APPEND="$(realpath -m -- "${2:?--append needs a file}")"; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$BENCH_SCRIPT"; exit 0 ;;
    *) echo "error: unknown argument $1 (see $BENCH_SCRIPT --help)" >&2; exit 2 ;;
  esac
done
# Resolved before the cd below, so a relative OTT_BIN means what the caller meant.
if [ -n "${OTT_BIN:-}" ]; then OTT_BIN="$(realpath -m -- "$OTT_BIN")"; fi
cd "$ROOT"

fail() { echo "error: $*" >&2; exit 1; }

# need_whole_numbers VAR...: each variable holds a positive whole number.
need_whole_numbers() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "error: $v must be a positive whole number" >&2; exit 2; }
  done
}

# find_ott: OTT_BIN as given, else the release build, else the debug build (with a warning).
find_ott() {
  if [ -z "${OTT_BIN:-}" ]; then
    local candidate
    for candidate in "$CARGO_TARGET_DIR/release/ott" "$CARGO_TARGET_DIR/debug/ott"; do
      if [ -x "$candidate" ]; then OTT_BIN="$candidate"; break; fi
    done
  fi
  [ -x "${OTT_BIN:-}" ] || fail "no ott binary; build one (cargo build --release -p server --bin ott) or set OTT_BIN"
  case "$OTT_BIN" in
    */debug/*) log "warning: $OTT_BIN is a debug build; its speed says little about a release" ;;
  esac
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_ready URL PID LOG: polls URL until it answers 200; gives up when PID dies or after 60 s.
wait_ready() {
  local url="$1" pid="$2" logfile="$3" i
  for ((i = 0; i < 600; i++)); do
    [ "$(curl -q -s --noproxy '*' -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$logfile" >&2; fail "the server exited before $url answered"; }
    sleep 0.1
  done
  cat "$logfile" >&2
  fail "$url did not answer 200 within 60 s"
}
