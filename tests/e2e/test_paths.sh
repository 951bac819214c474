#!/usr/bin/env bash
# scripts/lib/paths.sh and paths.mjs are the one place that says where the
# source tree, tools/, node 24 and the npm packages are: both give the same
# answers, from any working directory and through a symlink; and no script
# of the repo finds them another way (no WIMG_SRC, no repo root computed from
# a script's own location, no hard-coded tools/ path outside the two files).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
E2E_NAME=paths
source "$(dirname "$0")/../../scripts/lib/paths.sh"
e2e_init paths
[[ -x "$NODE" ]] || fail "no node at $NODE (run scripts/setup)"

assert_eq "$(cd "$(dirname "$0")/../.." && pwd -P)" "$WIMG_REPO" "paths.sh: WIMG_REPO"
[[ -f "$WIMG_REPO/scripts/lib/paths.sh" ]] || fail "WIMG_REPO=$WIMG_REPO holds no scripts/lib/paths.sh"

# Both files, asked from elsewhere (and paths.sh through a symlinked tree).
ln -s "$WIMG_REPO" "$E2E_TMP/link"
sh_rows=$(cd "$E2E_TMP" && env -u WIMG_NODE bash -c 'source "$1"; for v in WIMG_REPO WIMG_TOOLS TOOLS_NODE NODE RUBY_MODULES RUBY_DIST BROWSER_MODULES RACK_LIB TOOLS_WIZER WIMG_WIZER; do echo "$v=${!v}"; done' _ "$E2E_TMP/link/scripts/lib/paths.sh")
js_rows=$(cd "$E2E_TMP" && env -u WIMG_NODE "$NODE" "$WIMG_REPO/scripts/lib/paths.mjs")
assert_eq "$sh_rows" "$js_rows" "paths.sh and paths.mjs agree"
assert_contains "RUBY_DIST=$WIMG_REPO/tools/ruby/node_modules/@ruby/3.4-wasm-wasi/dist" "$js_rows" "RUBY_DIST"
# WIMG_NODE overrides node in both.
assert_eq "NODE=/x/node" "$(WIMG_NODE=/x/node "$NODE" "$WIMG_REPO/scripts/lib/paths.mjs" | grep '^NODE=')" "paths.mjs honours WIMG_NODE"
assert_eq "/x/node" "$(WIMG_NODE=/x/node bash -c 'source "$1"; echo "$NODE"' _ "$WIMG_REPO/scripts/lib/paths.sh")" "paths.sh honours WIMG_NODE"

# Nobody else decides. Tracked scripts only (git ls-files), this test excluded.
if git -C "$WIMG_REPO" rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git -C "$WIMG_REPO" ls-files '*.sh' '*.mjs' '*.js' 'scripts/*' 'bench/*' ':!tests/e2e/test_paths.sh' ':!scripts/lib/*')
  cd "$WIMG_REPO"
  hits=$(grep -nE 'WIMG_SRC|tools/(node|ruby|browser)/node_modules|resolve\(here, *'"'"'\.\./\.\.|cd "\$(HERE|\(dirname "\$0"\))/\.\./\.\."' "${files[@]}" |
    grep -vE '^[^:]+:[0-9]+: *(#|//)' || true)
  [[ -z "$hits" ]] || fail "scripts that find the repo or tools/ without scripts/lib/paths.*:
$hits"
fi
note "ok"
