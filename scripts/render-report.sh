#!/usr/bin/env bash
# Renders a results log's HTML report to a PNG with headless Chromium (docs/report.md).
#
#   scripts/render-report.sh LOG OUT.png            # 1200 x 2400 pixels, light colours
#   WIDTH=1100 HEIGHT=3000 scripts/render-report.sh LOG OUT.png
#   DARK=1 scripts/render-report.sh LOG OUT.png     # the dark colour scheme
#   SHRINK=1 scripts/render-report.sh LOG OUT.png   # 256 colours (needs Python's Pillow): a third the size
#
# HPO names the hpo executable (default: .build/release/hpo or .build/debug/hpo, built if missing).
# KEEP_HTML=FILE also keeps the HTML report there. Chromium comes from Debian's `chromium` package;
# it is installed with apt-get when missing and this runs as root.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 LOG OUT.png   (env: WIDTH, HEIGHT, DARK=1, HPO, KEEP_HTML)" >&2
    exit 2
fi
log=$1
out=$2
width=${WIDTH:-1200}
height=${HEIGHT:-2400}
root=$(cd "$(dirname "$0")/.." && pwd)

[[ -f $log ]] || { echo "$0: $log: no such file" >&2; exit 1; }

hpo=${HPO:-}
if [[ -z $hpo ]]; then
    for candidate in "$root/.build/release/hpo" "$root/.build/debug/hpo"; do
        if [[ -x $candidate ]]; then hpo=$candidate; break; fi
    done
fi
if [[ -z $hpo ]]; then
    (cd "$root" && swift build --product hpo >&2)
    hpo=$root/.build/debug/hpo
fi

browser=""
for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then browser=$(command -v "$name"); break; fi
done
if [[ -z $browser ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "$0: installing chromium (apt-get install -y chromium)" >&2
        apt-get install -y chromium >&2
        browser=$(command -v chromium)
    else
        echo "$0: no Chromium found; install it: sudo apt-get install -y chromium" >&2
        exit 1
    fi
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/render-report.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$hpo" report "$log" -o "$scratch/report.html" >/dev/null
if [[ -n ${KEEP_HTML:-} ]]; then cp "$scratch/report.html" "$KEEP_HTML"; fi

case $out in
    /*) target=$out ;;
    *) target=$PWD/$out ;;
esac
flags=(--headless --no-sandbox --disable-gpu --log-level=3 --hide-scrollbars --no-first-run
       --window-size="$width,$height" --screenshot="$target")
if [[ -n ${DARK:-} ]]; then flags+=(--force-dark-mode --blink-settings=preferredColorScheme=0); fi

XDG_CONFIG_HOME=$scratch/config XDG_CACHE_HOME=$scratch/cache HOME=$scratch \
    "$browser" "${flags[@]}" "file://$scratch/report.html" >"$scratch/chromium.log" 2>&1 || {
    cat "$scratch/chromium.log" >&2
    echo "$0: chromium failed" >&2
    exit 1
}
[[ -s $target ]] || { cat "$scratch/chromium.log" >&2; echo "$0: no screenshot written" >&2; exit 1; }
if [[ -n ${SHRINK:-} ]]; then
    python3 - "$target" <<'PY' || echo "$0: SHRINK needs Python's Pillow (pip install pillow); kept the full PNG" >&2
import sys
from PIL import Image
path = sys.argv[1]
Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
PY
fi
echo "wrote $out (${width}x${height})"
