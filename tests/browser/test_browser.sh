#!/usr/bin/env bash
# test_browser.sh: the browser example (examples/ruby/browser) end to end.
# Builds its Ruby app with wimg (a CRuby reactor with the standard library
# and the app embedded) into a temp store, serves the page with serve.mjs
# and opens it in headless Debian chromium (drive.mjs, playwright-core):
#  - the default page must reach data-status "done" with #stdout exactly
#    expected.txt and an empty #stderr, the module compiled while streaming
#    (served as application/wasm);
#  - the same page running a program the image lacks must reach
#    "error: exit status 1" with Ruby's LoadError on #stderr (the check
#    above can fail).
#
# Env: WIMG (the wimg binary, required), WIMG_NODE
# (node >= 24), WIMG_RUBY_CACHE (where stdlib.sh keeps the dumped standard
# library; default: a temp dir removed afterwards), WIMG_CHROMIUM and
# WIMG_BROWSER_TIMEOUT_MS (see drive.mjs), E2E_KEEP=1 keeps the work dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
EX=$SRC/examples/ruby/browser

# shellcheck source=../e2e/lib.sh
source "$SRC/tests/e2e/lib.sh"
e2e_init test_browser
WORK=$E2E_TMP
[[ -x "$NODE" ]] || fail "no node at $NODE (run scripts/setup)"
CHROMIUM=${WIMG_CHROMIUM:-/usr/bin/chromium}
[[ -x "$CHROMIUM" ]] || fail "no $CHROMIUM (run scripts/setup)"
[[ -f "$BROWSER_MODULES/playwright-core/package.json" ]] || fail "no playwright-core in tools/browser (run scripts/setup)"
export WIMG_RUBY_CACHE=${WIMG_RUBY_CACHE:-$WORK/cache}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# 1. Build the app (the example's own build script) into a temp store.
t=$(date +%s%N)
WIMG=$WIMG bash "$EX/build.sh" --store "$WORK/store" "$WORK/app.wasm" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "examples/ruby/browser/build.sh failed"; }
[[ -s "$WORK/app.wasm" ]] || fail "build.sh wrote no $WORK/app.wasm"
echo "test_browser: built app.wasm ($(stat -c %s "$WORK/app.wasm") bytes) in $(ms_since "$t") ms"

# 2. The server: its first stdout line is the URL, read with a deadline;
# e2e_cleanup kills it on exit.
t=$(date +%s%N)
coproc SERVER { exec "$NODE" "$EX/serve.mjs" "$WORK/app.wasm" 2>"$WORK/serve.err"; }
E2E_PIDS+=("$SERVER_PID")
URL=
read -r -t 60 -u "${SERVER[0]}" URL || true
[[ "$URL" =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] ||
  fail "serve.mjs printed no URL within 60 s (got [$URL]); stderr: $(cat "$WORK/serve.err")"
echo "test_browser: serving $URL (up in $(ms_since "$t") ms)"

# 3. The pages.
mkdir -p "$WORK/out"
t=$(date +%s%N)
rc=0
"$NODE" "$HERE/drive.mjs" "$WORK/out" "app=$URL" "missing=${URL}?main=/app/missing.rb" || rc=$?
echo "test_browser: browser done in $(ms_since "$t") ms"
show_log() {
  local n
  for n in app missing; do
    if [[ -s "$WORK/out/$n.log" ]]; then
      echo "--- $n: page console:" >&2
      head -c 4000 "$WORK/out/$n.log" >&2
    fi
  done
  if [[ -s "$WORK/serve.err" ]]; then
    echo "--- serve.mjs stderr:" >&2
    head -c 2000 "$WORK/serve.err" >&2
  fi
}
if [[ $rc -ne 0 ]]; then
  show_log
  fail "drive.mjs exited $rc"
fi

status=$(cat "$WORK/out/app.status")
if [[ "$status" != "done" ]] || ! diff -u "$HERE/expected.txt" "$WORK/out/app.stdout" >"$WORK/app.diff" ||
  [[ -s "$WORK/out/app.stderr" ]]; then
  echo "--- app: data-status: $status; #stderr:" >&2
  head -c 4000 "$WORK/out/app.stderr" >&2
  echo "--- app: #stdout against expected.txt:" >&2
  head -n 60 "$WORK/app.diff" >&2
  show_log
  fail "app: the page's status, output or stderr differs"
fi
assert_eq streaming "$(cat "$WORK/out/app.compile")" "app: how the page compiled the module (data-compile)"

status=$(cat "$WORK/out/missing.status")
if [[ "$status" != "error: exit status 1" ]] || [[ -s "$WORK/out/missing.stdout" ]] ||
  ! grep -qF 'cannot load such file -- /app/missing.rb (LoadError)' "$WORK/out/missing.stderr"; then
  echo "--- missing: data-status: $status; #stdout:" >&2
  head -c 2000 "$WORK/out/missing.stdout" >&2
  echo "--- missing: #stderr:" >&2
  head -c 2000 "$WORK/out/missing.stderr" >&2
  show_log
  fail "missing: expected data-status 'error: exit status 1' and a LoadError on #stderr"
fi
echo "test_browser: app: $(tr '\n' ' ' <"$WORK/out/app.timings")"
echo "test_browser: OK"
