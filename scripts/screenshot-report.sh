#!/usr/bin/env bash
# Screenshots the energy-report page the way customers and staff see it: at 360 px wide (a phone,
# inside WeChat's browser) and at 1280 px (a desktop), with headless Chromium.
#
#   scripts/screenshot-report.sh [OUT_DIR]        (default: target/report-screenshots)
#
# It renders the report of the `energy_report` example (a generated peer group of 60 customers;
# the page of the lowest-ranked one) to OUT_DIR/report.html, then writes OUT_DIR/report-360.png
# and OUT_DIR/report-1280.png. Look at both: at 360 px the score boxes wrap two by two, the
# findings table becomes one card per finding, the charts scale to the width, and no line runs
# off the right edge.
#
# Needs Chromium and a CJK font (Debian: `apt-get install chromium fonts-noto-cjk`; about 130
# packages). Without Chromium the script still writes the page, says what is missing and exits
# with status 3. Set CHROMIUM to use another binary (e.g. google-chrome).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-target/report-screenshots}
mkdir -p "$out"
out=$(cd "$out" && pwd)

cargo run --quiet --example energy_report -- 60 "$out/report.html"

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser=$candidate
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "the page is at $out/report.html; no Chromium found for the screenshots" >&2
    echo "(Debian: apt-get install chromium fonts-noto-cjk, or set CHROMIUM)" >&2
    exit 3
fi

shot() {
    local width=$1 height=$2
    # --no-sandbox: Chromium refuses to run as root otherwise (containers, CI).
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --force-device-scale-factor=1 --window-size="$width,$height" \
        --screenshot="$out/report-$width.png" "file://$out/report.html" >/dev/null 2>&1
    echo "$out/report-$width.png"
}

shot 360 3600
shot 1280 2600
