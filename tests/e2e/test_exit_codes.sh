#!/usr/bin/env bash
# Exit codes by error category (docs/CLI.md) and error messages that name
# the thing at fault; failed commands leave the store as it was.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_exit_codes

S=$E2E_TMP/store
mkdir -p "$E2E_TMP/t"
echo hi >"$E2E_TMP/t/a"
D=$(wimg_add "$S" "$E2E_TMP/t")

# expect CODE NEEDLE CMD...: runs wimg, checks the exit code and that stderr
# names NEEDLE, and that the store did not change.
expect() {
  local code=$1 needle=$2
  shift 2
  local before after rc=0
  before=$(cd "$S" && find . ! -name lock ! -name refs.lock -printf '%p %s\n' | sort)
  "$WIMG" --store "$S" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  after=$(cd "$S" && find . ! -name lock ! -name refs.lock -printf '%p %s\n' | sort)
  assert_eq "$code" "$rc" "exit code of wimg $* (stderr: $(cat "$E2E_TMP/err"))"
  assert_contains "$needle" "$(cat "$E2E_TMP/err")" "stderr of wimg $*"
  [[ "$before" == "$after" ]] || fail "wimg $* changed the store"
}

expect 2 "subcommand is required" layer                    # usage: missing subcommand
expect 2 "--nope" layer add --nope "$E2E_TMP/t"          # usage: unknown flag
expect 3 "invalid digest" layer ls sha256:xyz             # input
expect 3 "invalid image reference" tag "$D" "Bad:Name"    # input
printf 'not an archive\n' >"$E2E_TMP/plain.txt"
expect 3 "plain.txt" layer add "$E2E_TMP/plain.txt"       # input: not an archive
printf 'x\n' >"$E2E_TMP/not.wasm"
expect 3 "not.wasm" image create --base "$E2E_TMP/not.wasm" -t x:1
expect 4 "no such image" tag nothere:1 other:1            # not found
expect 4 "no such image" rmi nothere:1
expect 4 "missing" layer add "$E2E_TMP/missing"           # not found: path
expect 4 "is not in the store" layer ls "sha256:$(printf '%064d' 0)"

# A corrupt object: verify exits 5 and names the object's path.
obj=$(find "$S/objects" -type f ! -name '.tmp-*' | head -n 1)
chmod u+w "$obj"
printf 'garbage' >>"$obj"
rc=0
"$WIMG" --store "$S" store verify >"$E2E_TMP/out" 2>&1 || rc=$?
assert_eq 5 "$rc" "exit code of store verify on a corrupt store"
assert_contains "$obj" "$(cat "$E2E_TMP/out")" "verify output"
echo "test_exit_codes: ok"
