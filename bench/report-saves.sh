#!/usr/bin/env bash
# Report saves per second: 64 concurrent clients PUT /api/v1/reports/{id} against a release build
# of duban on SQLite, for 10 s, with wrk. Goal (issue): >= 2,000 saves/s with 0 errors.
#
# Sets up a throw-away database: the 菏泽 2023 Q3 table, a 2023Q4 round open until 2099, and one
# unit account for each of the UNITS busiest 责任单位. Each account logs in through the API; every
# request saves one of the reports its unit leads (ids spread over all of them), without a
# `version`, so concurrent saves of one report overwrite each other instead of getting 409.
# Any non-2xx answer is an error: wrk's Lua counts them by status and the script fails on any.
#
# Needs: wrk, curl, jq, python3 (to count the audit records). Loopback only. Knobs: DUR (10s), CONN (64), THREADS (2), UNITS (8),
# PORT (18190); CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
CONN=${CONN:-64}
THREADS=${THREADS:-2}
UNITS=${UNITS:-8}
PORT=${PORT:-18190}
PASSWORD=bench-password-1
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cargo build --release -q -p duban
bin=${CARGO_TARGET_DIR:-target}/release/duban
export DUBAN_DB="sqlite://$work/bench.db"
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
"$bin" open --period 2023Q4 --due 2099-01-10 >/dev/null
echo "$PASSWORD" | "$bin" user add bench-admin --role admin --password-stdin >/dev/null

base=http://127.0.0.1:$PORT
if curl -s -o /dev/null "$base/"; then echo "something already listens on port $PORT; set PORT" >&2; exit 1; fi
"$bin" serve --bind "127.0.0.1:$PORT" >"$work/duban.log" 2>&1 &
for _ in $(seq 100); do curl -fs -o /dev/null "$base/" && break; sleep 0.1; done

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
echo "$(grep -c '^  {' "$work/pairs.lua") reports led by $i units; $CONN connections, $THREADS threads, $DUR"

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

wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -s "$work/saves.lua" "$base/" | tee "$work/wrk.txt"
line=$(grep '^saves/s' "$work/wrk.txt")
case "$line" in
  *"non-2xx 0  socket errors 0"*) ;;
  *) echo "errors: $line" >&2; tail -n 20 "$work/duban.log" >&2; exit 1 ;;
esac
# Every answered save must have its audit record (the save and its record are one transaction).
ok=$(sed -n 's/^status 200: //p' "$work/wrk.txt")
audited=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM audit_log WHERE action = '"'"'report.save'"'"'").fetchone()[0])' "$work/bench.db")
echo "answered 200: $ok  audited saves: $audited"
if [ "$audited" -lt "$ok" ]; then echo "saves without an audit record" >&2; exit 1; fi
