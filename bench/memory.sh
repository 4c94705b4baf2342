#!/usr/bin/env bash
# Memory under hostile bodies: the resident set of a release `duban serve` (SQLite) while clients
# send what an attacker can send without an account, and what an admin's bad upload can hold.
# Goal (issue #9): peak RSS (VmHWM) < 256 MB through every phase, steady RSS < 64 MB after it.
#
# Phases, each bounded (64 clients, one request each, curl --max-time):
#   login-json    64 × 20 MB JSON to POST /api/v1/login
#   save-anon     64 × 20 MB JSON to PUT /api/v1/reports/1, no token
#   rounds-anon   64 × 20 MB JSON to POST /api/v1/rounds, no token
#   save-admin    64 × 20 MB JSON to PUT /api/v1/reports/1 with the admin's token (past the auth check)
#   login-form    64 × 20 MB form to POST /login (same-origin, as a browser would)
#   import-anon   64 × 20 MB multipart to POST /work/import, no session
#   bomb-flat     one XLSX whose sheet1.xml inflates to ~1.4 GB at ~200× (~7 MB), to POST /work/import as the admin
#   bomb-dense    the same at ~75× (~19 MB, just under the upload limit): many rows, each distinct
# After each phase: HTTP statuses seen, VmHWM so far and VmRSS after a short settle.
#
# The sampler kills the server if VmRSS passes CAP_MB (default 4096), so a regression cannot take
# the machine down; the phase is then reported as "killed at CAP_MB".
#
# Needs: curl, python3 (zipfile, to build the bombs; cached under ~/.cache/duban-bench). Loopback
# only. Knobs: CLIENTS (64), BODY_MB (20), CAP_MB (4096), SETTLE (5 s), PHASES (all, or a
# space-separated subset), NO_BUILD=1 (measure the release binary as it is), BIN (another binary); CARGO_TARGET_DIR is
# honoured. Exits 1 when a goal is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-64}
BODY_MB=${BODY_MB:-20}
CAP_MB=${CAP_MB:-4096}
SETTLE=${SETTLE:-5}
PHASES=${PHASES:-login-json save-anon rounds-anon save-admin login-form import-anon bomb-flat bomb-dense}
PEAK_GOAL_MB=256
STEADY_GOAL_MB=64
PASSWORD=bench-password-1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/duban-bench
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$cache"

[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p duban
bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/duban}
export DUBAN_DB="sqlite://$work/memory.db"
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
"$bin" open --period 2023Q4 --due 2099-01-10 >/dev/null
echo "$PASSWORD" | "$bin" user add bench-admin --role admin --password-stdin >/dev/null

# The bodies: 20 MB of one JSON string, of one form field, of one multipart file.
python3 - "$work" "$BODY_MB" <<'PY'
import sys
work, mb = sys.argv[1], int(sys.argv[2])
filler = b"a" * (mb * 1024 * 1024)
open(f"{work}/body.json", "wb").write(b'{"username": "' + filler + b'", "password": "x"}')
open(f"{work}/body.form", "wb").write(b"username=" + filler + b"&password=x")
open(f"{work}/body.multipart", "wb").write(
    b"--XbombX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
    b"Content-Type: text/csv\r\n\r\n" + filler + b"\r\n--XbombX--\r\n")
PY

# The bombs: a minimal valid workbook (inline strings, no shared strings) whose one sheet starts
# with the 一览表's header row, so the importer goes past the header search. Streamed, ~1 minute each.
make_bomb() { # variant file
  [ -s "$2" ] && return
  python3 - "$1" "$2.tmp" <<'PY'
import sys, zipfile
variant, out = sys.argv[1], sys.argv[2]
TARGET = 1400 * 1024 * 1024
parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1">' + ''.join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>' for c, h in
        zip("ABCDEF", ["序号", "责任目标内容", "完成时限", "市政府领导", "责任单位", "完成情况"])) + '</row>')
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
        f.write(head.encode())
        written, row = 0, 2
        while written < TARGET:
            if variant == "flat":
                # Rows without numbers: the same 288 bytes again and again (~200×).
                chunk = ('<row><c t="inlineStr"><is><t>' + "督办" * 40 + '</t></is></c></row>').encode() * 20000
            else:
                # Numbered rows and cells (~75×): every row is distinct, as a real sheet's are.
                chunk = ''.join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>{"督办" * 180}</t></is></c></row>'
                                for r in range(row, row + 20000)).encode()
                row += 20000
            f.write(chunk)
            written += len(chunk)
        f.write(b"</sheetData></worksheet>")
PY
  mv "$2.tmp" "$2"
}
for v in flat dense; do
  case " $PHASES " in *" bomb-$v "*) make_bomb "$v" "$cache/bomb-$v.xlsx" ;; esac
done

"$bin" serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 300); do grep -q 'serving on' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's|.*serving on http://\([^/]*\)/.*|\1|p' "$work/serve.out")
[ -n "$addr" ] || { echo "the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
base=http://$addr
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status" 2>/dev/null || true; }
mb() { local v; v=$(kb "$1"); [ -n "$v" ] && echo $((v / 1024)) || echo "-"; }

# The sampler: VmRSS every 50 ms into a file; kills the server past the cap.
(
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(kb VmRSS)
    [ -n "$rss" ] && echo "$rss" >>"$work/rss.samples"
    if [ -n "$rss" ] && [ "$rss" -gt $((CAP_MB * 1024)) ]; then
      echo "RSS $((rss / 1024)) MB > CAP_MB $CAP_MB: killing the server" >&2
      kill -9 "$pid"
      break
    fi
    sleep 0.05
  done
) &

token=$(curl -fsS "$base/api/v1/login" -H 'content-type: application/json' \
  -d "{\"username\": \"bench-admin\", \"password\": \"$PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
curl -fsS -o /dev/null -c "$work/cookies" -H "Origin: $base" \
  --data-urlencode username=bench-admin --data-urlencode "password=$PASSWORD" "$base/login"
echo "duban serve pid $pid on $base; at start: VmRSS $(mb VmRSS) MB, VmHWM $(mb VmHWM) MB"

# 64 clients at once, each streaming one body from the file (curl -T reads as it sends), without
# waiting for "100 Continue" as an attacker would not.
flood() { # method path body-file content-type [extra curl args...]
  local method=$1 path=$2 file=$3 type=$4
  shift 4
  # A refused upload may be cut off mid-send (curl says 000): counted, not fatal.
  set +o pipefail
  seq "$CLIENTS" | xargs -P "$CLIENTS" -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 \
    -X "$method" -H "Content-Type: $type" -H "Origin: $base" -H 'Expect:' "$@" -T "$file" "$base$path" |
    sort | uniq -c | awk '{printf "%s×%s ", $2, $1}'
  set -o pipefail
}
bomb() { # file
  curl -s -o /dev/null -w '%{http_code}' --max-time 300 -b "$work/cookies" -H "Origin: $base" \
    -F "file=@$1;type=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" \
    "$base/work/import" || echo "no answer"
}

failed=0
printf '%-12s %-28s %8s %10s %10s\n' phase statuses seconds "VmHWM MB" "VmRSS MB"
for phase in $PHASES; do
  started=$(date +%s.%N)
  case $phase in
    login-json) statuses=$(flood POST /api/v1/login "$work/body.json" application/json) ;;
    save-anon) statuses=$(flood PUT /api/v1/reports/1 "$work/body.json" application/json) ;;
    rounds-anon) statuses=$(flood POST /api/v1/rounds "$work/body.json" application/json) ;;
    save-admin) statuses=$(flood PUT /api/v1/reports/1 "$work/body.json" application/json -H "Authorization: Bearer $token") ;;
    login-form) statuses=$(flood POST /login "$work/body.form" application/x-www-form-urlencoded) ;;
    import-anon) statuses=$(flood POST /work/import "$work/body.multipart" "multipart/form-data; boundary=XbombX") ;;
    bomb-flat) statuses=$(bomb "$cache/bomb-flat.xlsx") ;;
    bomb-dense) statuses=$(bomb "$cache/bomb-dense.xlsx") ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
  seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  if ! kill -0 "$pid" 2>/dev/null; then
    printf '%-12s %-28s %8.1f %10s %10s\n' "$phase" "$statuses" "$seconds" ">$CAP_MB" "killed"
    failed=1
    break
  fi
  sleep "$SETTLE"
  printf '%-12s %-28s %8.1f %10s %10s\n' "$phase" "$statuses" "$seconds" "$(mb VmHWM)" "$(mb VmRSS)"
done

if kill -0 "$pid" 2>/dev/null; then
  peak=$(mb VmHWM)
  steady=$(mb VmRSS)
else
  peak=$(( $(sort -n "$work/rss.samples" | tail -n 1) / 1024 ))
  steady="-"
  failed=1
fi
echo "memory: peak RSS $peak MB (goal < $PEAK_GOAL_MB), steady RSS after load $steady MB (goal < $STEADY_GOAL_MB)"
if [ "$failed" = 0 ] && [ "$peak" -lt "$PEAK_GOAL_MB" ] && [ "$steady" -lt "$STEADY_GOAL_MB" ]; then
  echo "memory: goals met"
else
  echo "memory: goals missed" >&2
  tail -n 5 "$work/serve.log" >&2
  exit 1
fi
