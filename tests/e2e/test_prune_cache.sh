#!/usr/bin/env bash
# wimg prune and the store's cache/ (docs/FORMATS.md, "Store layout"): it
# removes stale cache files and keeps the live ones.
#  - cache/runner: other wimgs' node runners go, this wimg's stays;
#  - cache/run: renders of images no name reaches, and another wimg's
#    render of a named image, go; this wimg's render of a named image stays
#    (the next run is served from it);
#  - cache/npm: entries whose tarball object is gone (all of them: the
#    tarball is reachable from no image) and unreadable ones go;
#  - cache/stat: a tree's stat cache goes once none of its objects survives;
#  - --dry-run counts the same files and removes none.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_node_init test_prune_cache
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
C=$S/cache

hello_base "$E2E_TMP/hello.wasm"
mkdir -p "$E2E_TMP/used" "$E2E_TMP/loose"
echo "used" >"$E2E_TMP/used/a.txt"
echo "loose" >"$E2E_TMP/loose/b.txt"
# The stat cache records only files whose mtime and ctime are over 2 s old
# (layers/statcache.h): wait that long, or both caches would be empty.
sleep 2.5
used=$(wimg_add "$S" "$E2E_TMP/used")
wimg_add "$S" "$E2E_TMP/loose" >/dev/null
W image create --base "$E2E_TMP/hello.wasm" --layer "$used" -t hello:1 >/dev/null
expect_rc 0 "run hello:1" W run hello:1
assert_eq "hello" "$(cat "$E2E_TMP/out")" "run hello:1"

stat_of() { printf '%s/%s' "$C/stat" "$(printf '%s' "$(realpath "$1")" | sha256sum | cut -c1-64)"; }
[[ -f "$(stat_of "$E2E_TMP/used")" && -f "$(stat_of "$E2E_TMP/loose")" ]] || fail "no stat caches: $(ls "$C/stat")"
runner=$(ls "$C/runner")
render=$(cd "$C/run" && ls ./*-cmd.wasm | sed 's|^\./||')
[[ $(wc -w <<<"$runner") == 1 && $(wc -w <<<"$render") == 1 ]] || fail "expected one runner and one render: [$runner] [$render]"
# Another wimg's leftovers, and npm entries naming gone or no objects.
echo "old" >"$C/runner/wasi-run-0000000000000000.mjs"
echo "old" >"$C/run/${render:0:64}-0000000000000000-cmd.wasm"
echo "old" >"$C/run/${render:0:64}-0000000000000000-cmd.wasm.sha256"
mkdir -p "$C/npm"
printf 'sha512-x\nsha256:%064d\n' 0 >"$C/npm/@ruby+3.4-wasm-wasi@2.7.1"
echo "junk" >"$C/npm/lodash@4.17.21"
stale="$C/runner/wasi-run-0000000000000000.mjs $C/run/${render:0:64}-0000000000000000-cmd.wasm
$C/run/${render:0:64}-0000000000000000-cmd.wasm.sha256 $C/npm/@ruby+3.4-wasm-wasi@2.7.1 $C/npm/lodash@4.17.21
$(stat_of "$E2E_TMP/loose")"
live="$C/runner/$runner $C/run/$render $C/run/$render.sha256 $(stat_of "$E2E_TMP/used")"

expect_rc 0 "prune --dry-run" W prune --dry-run
assert_contains "Would remove 2 objects" "$(cat "$E2E_TMP/out")" "dry run"
assert_contains ", 6 cache files" "$(cat "$E2E_TMP/out")" "dry run"
for f in $stale $live; do [[ -e "$f" ]] || fail "the dry run removed $f"; done

expect_rc 0 "prune" W prune
assert_contains "Removed 2 objects" "$(cat "$E2E_TMP/out")" "prune"
assert_contains ", 6 cache files" "$(cat "$E2E_TMP/out")" "prune"
for f in $stale; do [[ ! -e "$f" ]] || fail "prune left the stale $f"; done
for f in $live; do [[ -e "$f" ]] || fail "prune removed the live $f"; done
before=$(stat -c %Y.%i "$C/run/$render")
expect_rc 0 "run hello:1 after prune" W run hello:1
assert_eq "hello" "$(cat "$E2E_TMP/out")" "run after prune"
assert_eq "$before" "$(stat -c %Y.%i "$C/run/$render")" "the kept render served the run"
verify_clean "$S" "after prune"

# The image's name goes: its render and its tree's stat cache go too.
W rmi hello:1 >/dev/null 2>&1 || W untag hello:1 >/dev/null
expect_rc 0 "prune after untag" W prune
for f in "$C/run/$render" "$C/run/$render.sha256" "$(stat_of "$E2E_TMP/used")"; do
  [[ ! -e "$f" ]] || fail "prune left $f of an image no name reaches"
done
[[ -e "$C/runner/$runner" ]] || fail "prune removed this wimg's runner"
note "ok"
