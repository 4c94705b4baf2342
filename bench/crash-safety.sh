#!/usr/bin/env bash
# Crash safety, the long run: the CI test `reliability::kill_9_under_load_loses_no_acknowledged_save`
# (crates/cli/tests/reliability/mod.rs) with more kills, against a release build. Each round: 64
# clients save reports for 0.5–2 s, the server gets SIGKILL, restarts on the same SQLite file, and
# every acknowledged save must be there with its audit record, nothing half-written,
# `PRAGMA integrity_check` ok and `duban verify` clean. Goal (issue #9): 0 lost over every round.
#
# Prints one line per round (saves acknowledged, in flight and landed, load time, restart time)
# and a total. Knobs: ROUNDS (100), SEED (replays a failed run's load times; printed at start).
# Loopback only; everything lives in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export DUBAN_CRASH_ROUNDS=${ROUNDS:-100}
[ -z "${SEED:-}" ] || export DUBAN_CRASH_SEED=$SEED
exec cargo test --release -q -p duban --test cli -- --exact \
  reliability::kill_9_under_load_loses_no_acknowledged_save --nocapture
