#!/usr/bin/env bash
# Builds the release site the way scripts/run does (build_release in scripts/setup.sh:
# opt-level z, LTO, split at the lazy routes, the standard library rebuilt for size on
# nightly, wasm-opt) and prints what a browser downloads, raw and gzip -9: first what every first visit loads (the main
# WASM module, its JS glue, the split loader and the CSS), then the files of each lazily
# loaded page and the chunks they share (fetched only when a page needs them).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
cd "$ROOT"
ensure_tools
build_release >&2
PKG=target/site/pkg
gz() { gzip -9 -c "$1" | wc -c; }

printf '%-44s %12s %12s\n' 'first visit' bytes gzip
total_raw=0 total_gz=0
for f in "$PKG/ott.wasm" "$PKG/ott.js" "$PKG"/__wasm_split.*.js "$PKG/ott.css"; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f") z=$(gz "$f")
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + z))
  printf '%-44s %12d %12d\n' "$(basename "$f")" "$raw" "$z"
done
printf '%-44s %12d %12d\n' total "$total_raw" "$total_gz"

echo
printf '%-44s %12s %12s\n' 'loaded on demand' bytes gzip
lazy_raw=0 lazy_gz=0 chunks=0
for f in "$PKG"/split_*.wasm; do
  raw=$(stat -c %s "$f") z=$(gz "$f")
  lazy_raw=$((lazy_raw + raw)) lazy_gz=$((lazy_gz + z))
  # split___upload_view_123.wasm -> upload
  name="$(basename "$f" .wasm)"; name="${name#split___}"; name="${name%_view_*}"
  printf '%-44s %12d %12d\n' "page: $name" "$raw" "$z"
done
chunk_raw=0 chunk_gz=0
for f in "$PKG"/chunk_*.wasm; do
  raw=$(stat -c %s "$f") z=$(gz "$f")
  chunk_raw=$((chunk_raw + raw)) chunk_gz=$((chunk_gz + z)) chunks=$((chunks + 1))
done
printf '%-44s %12d %12d\n' "shared chunks ($chunks files)" "$chunk_raw" "$chunk_gz"
printf '%-44s %12d %12d\n' total "$((lazy_raw + chunk_raw))" "$((lazy_gz + chunk_gz))"
