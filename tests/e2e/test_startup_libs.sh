#!/usr/bin/env bash
# Only the commands that inject load libbinaryen (docs/ARCHITECTURE.md,
# runtime/inject/injector.h): `wimg --version`, `layer add` and `images`
# start without it (the dynamic loader's own trace, LD_DEBUG=libs, says
# which libraries a process loads); a pack that prepares a base loads it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_startup_libs

cd "$E2E_TMP"
S=$E2E_TMP/store
mkdir -p tree && printf 'x\n' >tree/a.txt

loaded() {  # CMD...: the libraries the process loaded, one per line
  LD_DEBUG=libs "$@" 2>&1 >/dev/null | awk '/calling init:/ {print $NF}'
}

for cmd in "--version" "--store $S layer add tree" "--store $S images"; do
  # shellcheck disable=SC2086
  libs=$(loaded "$WIMG" $cmd)
  assert_contains "libcrypto" "$libs" "LD_DEBUG traced wimg $cmd"
  if grep -q libbinaryen <<<"$libs"; then fail "wimg $cmd loaded libbinaryen: $(grep libbinaryen <<<"$libs")"; fi
done

hello_base "$E2E_TMP/base.wasm"
libs=$(loaded "$WIMG" --store "$S" pack "$E2E_TMP/base.wasm" -o "$E2E_TMP/app.wasm" --layer tree)
assert_contains "libbinaryen" "$libs" "a pack that prepares its base loads libbinaryen"
[[ -s "$E2E_TMP/app.wasm" ]] || fail "pack wrote no output"
echo "test_startup_libs: ok"
