#!/usr/bin/env bash
# Serves the published 菏泽 table with a release build of duban and the same bytes with nginx
# (gzip_static), then loads both with wrk in one run and prints both figures and their ratio.
# Needs: wrk, nginx, curl (Debian: apt-get install -y wrk nginx curl). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
CONN=${CONN:-64}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

cargo build --release -q -p duban
bin=target/release/duban
export DUBAN_DB="sqlite://$work/bench.db"
"$bin" import fixtures/heze-2023-q3.txt >/dev/null
"$bin" serve --bind 127.0.0.1:18080 >"$work/duban.log" 2>&1 &
for _ in $(seq 50); do curl -fs -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.1; done

url=http://127.0.0.1:18080/tables/2023Q3
mkdir -p "$work/www/tables"
curl -fs "$url" -o "$work/www/tables/2023Q3.html"
curl -fs -H 'Accept-Encoding: gzip' "$url" -o "$work/www/tables/2023Q3.html.gz"
echo "page: $(stat -c %s "$work/www/tables/2023Q3.html") bytes, gzip $(stat -c %s "$work/www/tables/2023Q3.html.gz") bytes"

cat >"$work/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { text/html html; }
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:18081;
    root $work/www;
    gzip_static on;
    etag on;
    location /tables/ { default_type text/html; try_files \$uri.html =404; }
  }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.3
# Same bytes from both?
cmp <(curl -fs -H 'Accept-Encoding: gzip' http://127.0.0.1:18081/tables/2023Q3) "$work/www/tables/2023Q3.html.gz"

run() { wrk -t2 -c"$CONN" -d"$DUR" -H 'Accept-Encoding: gzip' "$1" | tee /dev/stderr | awk '/Requests\/sec/ {print $2}'; }
echo "== duban"
d=$(run "$url")
echo "== nginx (gzip_static)"
n=$(run http://127.0.0.1:18081/tables/2023Q3)
awk -v d="$d" -v n="$n" 'BEGIN { printf "duban %.0f req/s, nginx %.0f req/s, ratio %.2f\n", d, n, d / n }'
