#!/usr/bin/env bash
# Runs the in-process integration suite (server/tests/it: SQLite and PostgreSQL) RUNS times in
# a row, each run on a freshly made PostgreSQL, and says how many were green. A request that
# makes no progress fails its test with its path and stage (server/tests/it/support.rs never
# resends), so a hang shows here as a failed run, not as a slow one. The log of each failed run
# is kept; the summary names them.
#
#   bench/suite-stress.sh                           30 runs
#   RUNS=5 bench/suite-stress.sh                    a quick look
#   bench/suite-stress.sh --append docs/benchmarks.md
#
# Environment: RUNS (30), FILTER (a test name filter, default: every test), KEEP=1 keeps the
# logs of green runs too. Builds the test binary once; run it on an otherwise quiet machine.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"

RUNS="${RUNS:-30}"
need_whole_numbers RUNS
WORK="$(mktemp -d "${BENCH_DIR:-/tmp}/ott-suite-stress.XXXXXX")"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_DIR=""
stop_postgres() {
  if [ -n "$PG_DIR" ]; then
    pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
}
# The logs stay; the copies of the binaries do not.
trap 'stop_postgres; rm -f "$WORK/it" "$WORK/ott"' EXIT

log "building the integration suite"
# The suite and the `ott` it starts, copied: a build while the runs go on (the target dir is
# shared) must not change the binaries under them.
cargo test -p server --test it --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] in ("it", "ott") and m.get("executable"):
        print(m["target"]["name"], m["executable"])' >"$WORK/built"
for name in it ott; do
  built="$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/built" | tail -n1)"
  [ -x "$built" ] || fail "the integration suite did not build (cargo test -p server --test it --no-run)"
  cp "$built" "$WORK/$name"
done
BIN="$WORK/it"
export OTT_TEST_BIN="$WORK/ott"

green=0
failed=()
tests=""
started=$(date +%s)
for ((i = 1; i <= RUNS; i++)); do
  # A fresh cluster each run: the suite makes a database per test, and they add up.
  PG_DIR="$(mktemp -d /tmp/ott-pg.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  port="$(free_port)"
  pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U ott --auth=trust -E UTF8 >/dev/null
  pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
    -l "$PG_DIR/log" -w start >/dev/null
  run_log="$WORK/run-$i.log"
  t0=$(date +%s)
  # shellcheck disable=SC2086 # FILTER is a list of words for the test harness
  if (cd "$ROOT/server" && OTT_TEST_POSTGRES_URL="postgres://ott@127.0.0.1:$port/postgres" "$BIN" ${FILTER:-}) >"$run_log" 2>&1; then
    green=$((green + 1))
    tests="$(grep -m1 -oE '[0-9]+ passed' "$run_log" || true)"
    [ -n "${KEEP:-}" ] || rm -f "$run_log"
    log "run $i/$RUNS green ($(($(date +%s) - t0)) s)"
  else
    failed+=("$run_log")
    log "run $i/$RUNS FAILED ($(($(date +%s) - t0)) s): $(grep -m1 -E '^test .* FAILED|panicked' "$run_log" || echo "see $run_log")"
  fi
  stop_postgres
done

summary="$(
  echo "### In-process suite, $RUNS runs in a row ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "| Runs | Green | Failed | Minutes |"
  echo "| ---: | ---: | ---: | ---: |"
  echo "| $RUNS | $green | ${#failed[@]} | $(( ($(date +%s) - started + 30) / 60 )) |"
  for f in "${failed[@]}"; do echo; echo "Failed: $f"; done
  [ -z "$tests" ] || { echo; echo "Tests per green run (each on SQLite and PostgreSQL): $tests."; }
)"
echo "$summary"
[ -z "$APPEND" ] || printf '\n%s\n' "$summary" >>"$APPEND"
[ "${#failed[@]}" -eq 0 ]
