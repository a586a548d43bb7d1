#!/usr/bin/env bash
# report.html as a browser shows it: renders the report of a CNN run in headless Chromium and
# requires its charts (energy by component, cycles and stalls, gating bars, gating map) in the
# rendered DOM, no console errors, and a screenshot; `cimsim report` re-renders it identically
# from report.json, and `cimsim report A B` writes a comparison.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/tests/fixtures/gen_cnn.py" "$work/bundles" >/dev/null
"$cimsim" run --quiet --workload "$work/bundles/cnn_se_resnet" --out "$work/a"
"$cimsim" run --quiet --workload "$work/bundles/cnn_se_resnet" --out "$work/b" --set mapping.stationary=input
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
timeout 120 "${chrome[@]}" --dump-dom "file://$work/a/report.html" > "$work/dom.html" 2> "$work/chrome.log"
for want in "Energy by component" "Cycles and stalls" "Power gating" "Gating map of" "Steps"; do
  grep -q "$want" "$work/dom.html" || { echo "report.html lacks '$want'" >&2; exit 1; }
done
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
[[ $svgs -ge 4 ]] || { echo "report.html has $svgs charts, expected 4" >&2; exit 1; }
if grep -E "CONSOLE|Uncaught" "$work/chrome.log"; then echo "the page logged errors" >&2; exit 1; fi
timeout 120 "${chrome[@]}" --window-size=1100,2400 --screenshot="$work/report.png" "file://$work/a/report.html" 2>/dev/null
[[ -s $work/report.png ]] || { echo "no screenshot" >&2; exit 1; }
cp "$work/a/report.html" "$work/first.html"
"$cimsim" report "$work/a" >/dev/null
cmp "$work/first.html" "$work/a/report.html"
"$cimsim" report "$work/a" "$work/b" --out "$work/cmp" > "$work/cmp.txt"
grep -q "energy" "$work/cmp.txt" && grep -q "Totals" "$work/cmp/compare.html"
echo "report.html: $svgs charts rendered in Chromium without errors; re-render identical; comparison written"
