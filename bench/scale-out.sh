#!/usr/bin/env bash
# Scale-out, side by side in one run (issue #10): report saves per second on SQLite (one
# instance), PostgreSQL (one instance) and PostgreSQL (two instances, the 64 connections split
# across both), each with 0 errors; then the public table page served by one and by two
# instances on PostgreSQL. Goals: SQLite >= 2,000 saves/s, PostgreSQL >= 1,500 with one instance
# and more with two than with one; the page on two instances no lower than on one.
#
# Needs what bench/report-saves.sh needs, and a PostgreSQL server (DUBAN_BENCH_POSTGRES, default
# postgres://postgres@127.0.0.1:5432). Knobs: DUR (10s), CONN (64), REPEAT (3: each figure is the
# median of REPEAT runs, the configurations interleaved so that noise hits all alike).
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
DUR=${DUR:-10s}
CONN=${CONN:-64}
PG_SERVER=${DUBAN_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
export DUR CONN DUBAN_BENCH_POSTGRES=$PG_SERVER
work=$(mktemp -d)
pgdb=duban_pages_$$
cleanup() {
  kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"
  psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cargo build --release -q -p duban
bin=${CARGO_TARGET_DIR:-target}/release/duban

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for r in $(seq "$REPEAT"); do
  for config in "sqlite 1" "postgres 1" "postgres 2"; do
    set -- $config
    rate=$(BACKEND=$1 INSTANCES=$2 bash bench/report-saves.sh | sed -n 's/^saves\/s \([0-9]*\).*/\1/p')
    echo "run $r: saves $1 x$2: $rate/s"
    echo "$rate" >>"$work/saves-$1-$2"
  done
done

# The public page: the 菏泽 table on PostgreSQL, one instance, then two with the connections split.
psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE $pgdb" >/dev/null
export DUBAN_DB="$PG_SERVER/$pgdb"
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
for n in 0 1; do
  "$bin" serve --bind "127.0.0.1:$((18290 + n))" >"$work/page-$n.log" 2>&1 &
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$((18290 + n))/" && break; sleep 0.1; done
  curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$((18290 + n))/tables/2023Q3"
done
page() { # instances
  local pids=() total=0
  for n in $(seq 0 $(($1 - 1))); do
    wrk -t2 -c$((CONN / $1)) -d"$DUR" -H 'Accept-Encoding: gzip' \
      "http://127.0.0.1:$((18290 + n))/tables/2023Q3" >"$work/page-wrk-$n.txt" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for n in $(seq 0 $(($1 - 1))); do
    if grep -q 'Non-2xx' "$work/page-wrk-$n.txt"; then echo "page errors" >&2; cat "$work/page-wrk-$n.txt" >&2; exit 1; fi
    total=$(awk -v t="$total" '/Requests\/sec/ {printf "%.0f", t + $2}' "$work/page-wrk-$n.txt")
  done
  echo "$total"
}
for r in $(seq "$REPEAT"); do
  for i in 1 2; do
    rate=$(page "$i")
    echo "run $r: page x$i: $rate/s"
    echo "$rate" >>"$work/page-$i"
  done
done

echo
echo "medians of $REPEAT runs, $CONN connections, $DUR each:"
for config in sqlite-1 postgres-1 postgres-2; do
  echo "  report saves/s  $config: $(median <"$work/saves-$config")"
done
for i in 1 2; do
  echo "  /tables/2023Q3 requests/s, $i instance(s) on PostgreSQL: $(median <"$work/page-$i")"
done
