#!/bin/sh
# Times LibreOffice converting our 200-target XLSX to PDF, for comparison with the
# `export/pdf_200_targets` criterion figure. Run after:
#   DUBAN_BENCH_OUT=/tmp/duban-bench cargo bench -p duban-formats --bench formats
# The first conversion warms LibreOffice's profile; the next three are timed.
set -eu
test -f "${DUBAN_BENCH_OUT:-/tmp/duban-bench}/t200.xlsx" || { echo "run the bench with DUBAN_BENCH_OUT first" >&2; exit 1; }
dir=${DUBAN_BENCH_OUT:-/tmp/duban-bench}
cd "$dir"
profile="-env:UserInstallation=file://$dir/lo-profile"
soffice "$profile" --headless --convert-to pdf --outdir lo t200.xlsx >/dev/null 2>&1
for i in 1 2 3; do
  start=$(date +%s.%N)
  soffice "$profile" --headless --convert-to pdf --outdir lo t200.xlsx >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "libreoffice xlsx->pdf run $i: $(echo "$end - $start" | bc) s"
done
