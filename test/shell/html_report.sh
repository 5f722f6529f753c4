#!/usr/bin/env bash
# html_report.sh BUILD_DIR SOURCE_DIR - `kssim run --format html --matrix ...` rendered in a real headless
# browser (Debian's chromium): the page loads no external resource, the screenshot is a real PNG of the asked
# size with something drawn, the DOM the browser built has a timeline per run, the matrix tables with marked
# cells and the legend, a scenario name with <script> in it stays text, and no script error or console error
# happened. A deliberately broken copy of the page shows the error checks can fail.
# chromium missing is a failure, as for every outside tool of the tests (scripts/install-deps.sh installs it).
set -u
build=${1:?usage: html_report.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: html_report.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=lib/shell_test.sh
source "$(dirname "$0")/lib/shell_test.sh"
source_dir=$(cd "$source_dir" && pwd)

browser=""
for candidate in chromium chromium-browser; do
    command -v "$candidate" >/dev/null && browser=$candidate && break
done
if [ -z "$browser" ]; then
    echo "FAIL: chromium is not installed; scripts/install-deps.sh installs it (Debian package chromium)" >&2
    exit 1
fi

# chrome ARGS...: the browser headless, with a profile of its own so that runs do not share state.
chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@"
}

# A scenario whose name and data try to inject markup.
mkdir -p "$work/scenarios"
cat >"$work/scenarios/escape.yaml" <<'YAML'
name: "<script>document.title='injected'</script> & <b>bold</b>"
steps:
  - generate_key: {alias: plain, algorithm: ec, purposes: [sign]}
  - sign: {key: plain, data: "</td><script>alert(1)</script>"}
YAML

"$kssim" run --format html --matrix 28,30,34 "$source_dir/scenarios/reboot-locks-auth-keys.yaml" \
    "$source_dir/scenarios/cryptoobject-biometric-login.yaml" "$work/scenarios/escape.yaml" >"$work/report.html" \
    2>"$work/run.err"
status=$?
[ "$status" -le 1 ] || fail "kssim run --format html exited $status: $(cat "$work/run.err")"
runs=9

# Self-contained: nothing fetched (the SVG namespace is a name, not a fetch).
if grep -Eqi '(src|href)="(https?:)?//|url\(|@import|<link|<img|<iframe' "$work/report.html"; then
    fail "the page refers to an external resource: $(grep -Eoi '(src|href)="[^"]*"|url\([^)]*\)|@import|<link|<img|<iframe' \
        "$work/report.html" | head -3)"
fi
scripts=$(grep -o '<script' "$work/report.html" | wc -l)
[ "$scripts" -eq 1 ] || fail "the page has $scripts scripts; it should have its one inline script (scenario text is escaped)"
grep -q '&lt;script&gt;document.title=&apos;injected&apos;&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' \
    "$work/report.html" || fail "the scenario name is not HTML-escaped in the page"
grep -q '&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;' "$work/report.html" ||
    fail "the step's data is not HTML-escaped in the page"

# The screenshot: a PNG of 1200x900 with enough in it to be a drawn page (a blank page compresses to ~5 kB).
chrome --screenshot="$work/report.png" --window-size=1200,900 "file://$work/report.html" >"$work/shot.out" 2>"$work/shot.log"
if [ ! -s "$work/report.png" ]; then
    fail "chromium wrote no screenshot: $(tail -3 "$work/shot.log")"
else
    signature=$(od -An -tx1 -N8 "$work/report.png" | tr -d ' \n')
    [ "$signature" = "89504e470d0a1a0a" ] || fail "the screenshot is not a PNG (signature $signature)"
    size=$(od -An -tu1 -j16 -N8 "$work/report.png" | awk '{print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8}')
    [ "$size" = "1200x900" ] || fail "the screenshot is $size, not 1200x900"
    bytes=$(wc -c <"$work/report.png")
    [ "$bytes" -gt 20000 ] || fail "the screenshot has only $bytes bytes: the page drew next to nothing"
fi

# The DOM as the browser built it, after the page's script ran.
chrome --dump-dom "file://$work/report.html" >"$work/dom.html" 2>"$work/dom.log"
count() { grep -o -- "$1" "$work/dom.html" | wc -l; }
[ "$(count '<svg class="timeline"')" -eq "$runs" ] || fail "$(count '<svg class="timeline"') timelines in the DOM, expected $runs"
grep -q "data-rendered=\"$runs\"" "$work/dom.html" || fail "the page's script did not mark the page rendered with $runs timelines"
[ "$(count '<table class="matrix-table">')" -eq 3 ] || fail "$(count '<table class="matrix-table">') matrix tables, expected 3"
grep -Eq '<td class="cell [a-z-]+ differs' "$work/dom.html" || fail "no matrix cell is marked as differing"
grep -q 'id="legend"' "$work/dom.html" || fail "no legend in the DOM"
grep -q '<g class="reboot">' "$work/dom.html" || fail "no reboot line in the timeline of reboot-locks-auth-keys.yaml"
grep -q '<g class="invalidation">' "$work/dom.html" || fail "no invalidation line in cryptoobject-biometric-login.yaml"
grep -q 'class="token-window"' "$work/dom.html" || fail "no token window bar"
grep -q '<g class="op refused' "$work/dom.html" || fail "no refused operation mark"
grep -q '<title>kssim run' "$work/dom.html" || fail "the page's title changed: injected script ran?"
grep -q '<script>document.title\|<script>alert' "$work/dom.html" && fail "a scenario's <script> became an element"
grep -q 'data-script-error="' "$work/dom.html" && fail "a script error: $(grep -o 'data-script-error="[^"]*"' "$work/dom.html")"
grep -Ei 'Uncaught|CONSOLE\(' "$work/dom.log" "$work/shot.log" && fail "the browser logged console errors"

# --explain: each operation step's decision path folded in its row (a <details> per step), one fact per line,
# and none in a page without --explain.
grep -q '<details class="why">' "$work/dom.html" && fail "a page without --explain has decision paths"
"$kssim" run --format html --explain "$source_dir/scenarios/reboot-locks-auth-keys.yaml" >"$work/explained.html" \
    2>"$work/explained.err"
[ $? -le 1 ] || fail "kssim run --format html --explain failed: $(cat "$work/explained.err")"
chrome --dump-dom "file://$work/explained.html" >"$work/explained-dom.html" 2>"$work/explained.log"
grep -q '<details class="why"><summary>why (' "$work/explained-dom.html" ||
    fail "the explained page has no collapsible decision path per step"
grep -q '^R-BEGIN-ORDER: keystore2 authorize_create' "$work/explained-dom.html" ||
    fail "the decision path's rule lines are not one per line in the page"
grep -q '<th scope="col">why (--explain)</th>' "$work/explained-dom.html" || fail "the explained page has no why column"
grep -q 'data-script-error="' "$work/explained-dom.html" && fail "a script error in the explained page"

# The checks above can fail: a copy of the page with a script error is caught both ways.
sed 's|</body>|<script>no_such_function();</script></body>|' "$work/report.html" >"$work/broken.html"
chrome --dump-dom "file://$work/broken.html" >"$work/broken-dom.html" 2>"$work/broken.log"
grep -q 'data-script-error=' "$work/broken-dom.html" || fail "a script error in the page is not marked in the DOM"
grep -Eqi 'Uncaught|CONSOLE\(' "$work/broken.log" || fail "a script error in the page is not in the browser's log"

if [ "$failures" -ne 0 ]; then
    echo "html_report: $failures failure(s)"
    exit 1
fi
echo "html_report: $runs runs rendered in $browser; screenshot, DOM and console checked"
