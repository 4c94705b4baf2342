#!/usr/bin/env bash
# A filtered table page against the unfiltered one, in one run, on a round of the size a real
# city publishes: the 40 entries of the 菏泽 table plus generated ones up to 200 targets (their
# text made from the real rows, their leaders and units the real ones), imported as CSV.
# Both are served gzip-compressed from memory: the unfiltered page pre-rendered at publication,
# the filtered one rendered from the publication on its first request and kept with its ETag.
# Goal (issue 13): the filtered page at >= 0.5x the unfiltered req/s, p99 <= 20 ms.
# Needs: wrk, curl, python3 (Debian: apt-get install -y wrk curl). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
CONN=${CONN:-64}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

cargo build --release -q -p duban
bin=target/release/duban
export DUBAN_DB="sqlite://$work/bench.db"

# The real table, exported as CSV, grown to 200 targets.
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
"$bin" export --period 2023Q3 --format csv -o "$work/real.csv"
python3 - "$work/real.csv" "$work/200.csv" <<'PY'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
body = [r for r in rows[head + 1:] if len(r) == 7]
numbered = [r for r in body if r[0]]
last = max(int(r[0]) for r in numbered)
out = rows[: head + 1] + body
n = last
while n < 200:
    base = numbered[n % len(numbered)]
    n += 1
    out.append([
        str(n),
        base[1],
        f"第{n}项：{base[2]}（生成）",
        base[3],
        f"截至三季度，第{n}项已完成年度任务的{(n * 7) % 100}%，{base[4][:120]}",
        "是" if n % 5 else "否",
        base[6],
    ])
with open(dst, "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f).writerows(out)
PY
export DUBAN_DB="sqlite://$work/200.db"
"$bin" import "$work/200.csv" --period 2023Q3 >/dev/null
"$bin" serve --bind 127.0.0.1:18082 >"$work/duban.log" 2>&1 &
for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:18082/ && break; sleep 0.1; done

plain=http://127.0.0.1:18082/tables/2023Q3
# The unit with the most entries: the filter a journalist would share.
unit=$(python3 -c "
import csv, collections, sys, urllib.parse
rows = [r for r in csv.reader(open('$work/200.csv', encoding='utf-8-sig')) if len(r) == 7 and r[0] != '序号']
lead = collections.Counter(r[6].split()[0] for r in rows if r[6].strip())
print(urllib.parse.quote(lead.most_common(1)[0][0]))")
filtered="$plain?unit=$unit&answer=yes"
for u in "$plain" "$filtered"; do
  size=$(curl -fs "$u" | wc -c)
  gz=$(curl -fs -H 'Accept-Encoding: gzip' "$u" | wc -c)
  echo "$u: $size bytes, gzip $gz bytes, $(curl -fs "$u" | grep -o '显示 [0-9]* / [0-9]* 项目标' | head -1)"
done

run() { wrk -t2 -c"$CONN" -d"$DUR" --latency -H 'Accept-Encoding: gzip' "$1" | tee "$work/wrk.out" >&2
  awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r, p}' "$work/wrk.out"; }
echo "== unfiltered"
read -r u up <<<"$(run "$plain")"
echo "== filtered (?unit=…&answer=yes)"
read -r f fp <<<"$(run "$filtered")"
awk -v u="$u" -v f="$f" -v up="$up" -v fp="$fp" 'BEGIN {
  printf "unfiltered %.0f req/s (p99 %s), filtered %.0f req/s (p99 %s), ratio %.2f\n", u, up, f, fp, f / u }'
