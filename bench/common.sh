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

# start_static_nginx DIR: Debian's nginx (NGINX_BIN) serving DIR/www as static files over
# loopback (one worker, sendfile), with everything else of its in DIR. Sets NGINX_PID,
# NGINX_URL and NGINX_VERSION; the caller stops NGINX_PID.
start_static_nginx() {
  local dir="$1" port
  mkdir -p "$dir/www" "$dir/tmp"
  echo ready >"$dir/www/ready"
  port="$(free_port)"
  NGINX_URL="http://127.0.0.1:$port"
  {
    # A master running as root hands the workers to www-data, which cannot enter a private
    # temp dir.
    if [ "$(id -u)" = 0 ]; then echo "user root;"; fi
    cat <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
  } >"$dir/nginx.conf"
  local args=(-p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log")
  "$NGINX_BIN" -t -q "${args[@]}" || fail "nginx rejected $dir/nginx.conf"
  NGINX_VERSION="$("$NGINX_BIN" -v 2>&1 | sed 's|.*/||')"
  log "starting nginx $NGINX_VERSION on $NGINX_URL"
  "$NGINX_BIN" "${args[@]}" >"$dir/stderr.log" 2>&1 &
  NGINX_PID=$!
  wait_ready "$NGINX_URL/ready" "$NGINX_PID" "$dir/error.log"
}
