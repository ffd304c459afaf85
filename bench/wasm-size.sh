#!/usr/bin/env bash
# Builds the release site (opt-level z, LTO, wasm-opt) and prints what a browser downloads on
# the first visit: the WASM bundle, its JS glue and the CSS, raw and gzip -9.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
cd "$ROOT"
ensure_tools
cargo leptos build --release >&2
printf '%-10s %12s %12s\n' file bytes gzip
total_raw=0 total_gz=0
for f in target/site/pkg/ott.wasm target/site/pkg/ott.js target/site/pkg/ott.css; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)) total_gz=$((total_gz + gz))
  printf '%-10s %12d %12d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '%-10s %12d %12d\n' total "$total_raw" "$total_gz"
