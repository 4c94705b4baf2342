#!/usr/bin/env bash
# Report saves per second: 64 concurrent clients PUT /api/v1/reports/{id} against a release build
# of duban, for 10 s, with wrk. Goals (issues): SQLite >= 2,000 saves/s; PostgreSQL >= 1,500 with
# one instance and more with two; 0 errors. BACKEND=sqlite (default) or postgres; INSTANCES=1 or 2
# (the connections split evenly, one wrk per instance, their rates added). bench/scale-out.sh runs
# the three configurations side by side.
#
# Sets up a throw-away database: the 菏泽 2023 Q3 table, a 2023Q4 round open until 2099, and one
# unit account for each of the UNITS busiest 责任单位. Each account logs in through the API; every
# request saves one of the reports its unit leads (ids spread over all of them), without a
# `version`, so concurrent saves of one report overwrite each other instead of getting 409.
# Any non-2xx answer is an error: wrk's Lua counts them by status and the script fails on any.
#
# Needs: wrk, curl, jq, python3 (to count the audit records), psql for PostgreSQL. Loopback only.
# Knobs: DUR (10s), CONN (64), THREADS (2), UNITS (8), PORT (18190; the second instance PORT+1),
# BACKEND, INSTANCES, DUBAN_BENCH_POSTGRES (the server; default postgres://postgres@127.0.0.1:5432,
# a database is made and dropped); CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
CONN=${CONN:-64}
THREADS=${THREADS:-2}
UNITS=${UNITS:-8}
PORT=${PORT:-18190}
BACKEND=${BACKEND:-sqlite}
INSTANCES=${INSTANCES:-1}
PG_SERVER=${DUBAN_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
PASSWORD=bench-password-1
work=$(mktemp -d)
pgdb=duban_bench_$$
cleanup() {
  kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"
  if [ "$BACKEND" = postgres ]; then psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null; fi
}
trap cleanup EXIT

cargo build --release -q -p duban
bin=${CARGO_TARGET_DIR:-target}/release/duban
if [ "$BACKEND" = postgres ]; then
  psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE $pgdb" >/dev/null
  export DUBAN_DB="$PG_SERVER/$pgdb"
else
  export DUBAN_DB="sqlite://$work/bench.db"
fi
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
"$bin" open --period 2023Q4 --due 2099-01-10 >/dev/null
echo "$PASSWORD" | "$bin" user add bench-admin --role admin --password-stdin >/dev/null

base=http://127.0.0.1:$PORT
for n in $(seq 0 $((INSTANCES - 1))); do
  b=http://127.0.0.1:$((PORT + n))
  if curl -s -o /dev/null "$b/"; then echo "something already listens on port $((PORT + n)); set PORT" >&2; exit 1; fi
  "$bin" serve --bind "127.0.0.1:$((PORT + n))" >"$work/duban-$n.log" 2>&1 &
  for _ in $(seq 100); do curl -fs -o /dev/null "$b/" && break; sleep 0.1; done
done

login() {
  curl -fsS "$base/api/v1/login" -H 'content-type: application/json' \
    -d "$(jq -nc --arg u "$1" --arg p "$PASSWORD" '{username: $u, password: $p}')" | jq -r .token
}

# The units that lead the most entries of the round, busiest first.
admin=$(login bench-admin)
curl -fsS "$base/api/v1/rounds/2023Q4/reports" -H "authorization: Bearer $admin" >"$work/reports.json"
jq -r '[.[] | .units[0]] | group_by(.) | map({unit: .[0], n: length}) | sort_by(-.n) | .[].unit' \
  "$work/reports.json" | head -n "$UNITS" >"$work/units.txt"

# One account per unit; the Lua table of {id, token} pairs wrk cycles through.
echo "reports = {" >"$work/pairs.lua"
i=0
while IFS= read -r unit; do
  i=$((i + 1))
  echo "$PASSWORD" | "$bin" user add "bench-unit-$i" --role unit --unit "$unit" --password-stdin >/dev/null
  token=$(login "bench-unit-$i")
  jq -r --arg u "$unit" '.[] | select(.units[0] == $u) | .id' "$work/reports.json" |
    while read -r id; do echo "  {$id, \"$token\"},"; done >>"$work/pairs.lua"
done <"$work/units.txt"
echo "}" >>"$work/pairs.lua"
echo "$BACKEND, $INSTANCES instance(s): $(grep -c '^  {' "$work/pairs.lua") reports led by $i units; $CONN connections, $THREADS threads, $DUR"

cat "$work/pairs.lua" - >"$work/saves.lua" <<'LUA'
-- Globals, so that done() can collect them from each thread with thread:get.
statuses = {}
local counter, thread_no, threads = 0, 0, {}

function setup(thread)
  thread_no = thread_no + 1
  thread:set("offset", thread_no * 7919)
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  local p = reports[(counter % #reports) + 1]
  local body = '{"progress": "三季度以来推进顺利，完成第' .. counter .. '次调度。", "on_schedule": true}'
  return wrk.format("PUT", "/api/v1/reports/" .. p[1], {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. p[2],
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, errors, by_status = 0, 0, {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  for status, n in pairs(by_status) do
    total = total + n
    if status < 200 or status > 299 then errors = errors + n end
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for status, n in pairs(by_status) do io.write(string.format("status %d: %d\n", status, n)) end
  io.write(string.format("saves/s %.0f  non-2xx %d  socket errors %d  p50 %.1f ms  p99 %.1f ms\n",
    summary.requests / (summary.duration / 1e6), errors, socket,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

# One wrk per instance, started together, the connections split between them.
for n in $(seq 0 $((INSTANCES - 1))); do
  wrk -t"$THREADS" -c"$((CONN / INSTANCES))" -d"$DUR" --latency -s "$work/saves.lua" \
    "http://127.0.0.1:$((PORT + n))/" >"$work/wrk-$n.txt" &
done
wait $(jobs -p | tail -n "$INSTANCES") 2>/dev/null || true
ok=0
rate=0
for n in $(seq 0 $((INSTANCES - 1))); do
  line=$(grep '^saves/s' "$work/wrk-$n.txt" || echo "no result")
  echo "instance $n: $line"
  case "$line" in
    *"non-2xx 0  socket errors 0"*) ;;
    *) echo "errors: $line" >&2; tail -n 20 "$work/duban-$n.log" >&2; exit 1 ;;
  esac
  ok=$((ok + $(sed -n 's/^status 200: //p' "$work/wrk-$n.txt")))
  rate=$((rate + $(echo "$line" | awk '{print $2}')))
done
echo "saves/s $rate  (total over $INSTANCES instance(s), $BACKEND)"
# Every answered save must have its audit record (the save and its record are one transaction).
if [ "$BACKEND" = postgres ]; then
  audited=$(psql -Atq "$DUBAN_DB" -c "SELECT COUNT(*) FROM audit_log WHERE action = 'report.save'")
else
  audited=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM audit_log WHERE action = '"'"'report.save'"'"'").fetchone()[0])' "$work/bench.db")
fi
echo "answered 200: $ok  audited saves: $audited"
if [ "$audited" -lt "$ok" ]; then echo "saves without an audit record" >&2; exit 1; fi
