#!/usr/bin/env bash
# test_import_npm.sh: `wimg import npm:@ruby/4.0-wasm-wasi@2.10.1` against
# the real npm registry (ctest runtime.ruby_import_npm; CI reaches npm).
#
#  1. A fresh store imports it (fetched over libcurl from the registry npm
#     is configured with, integrity checked); a second import in the same
#     store with the registry set to an unreachable address is served from
#     the store's cache with the same digest; a second fresh store fetches
#     again and gets the same digest.
#  2. The image behaves like the ruby command: RubyGems is loaded, so the
#     bundled gem rexml resolves on 4.0 (npm's 4.0 starts without RubyGems);
#     --disable-gems leaves it out; the multi example FROM ruby:4.0 prints
#     its expected.txt (as FROM ruby:3.4).
#  3. Bad specs are usage errors (exit 2): no version, a range.
#
# Env: WIMG (required), WIMG_NODE (node >= 24), E2E_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/paths.sh"
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_import_npm
unset SOURCE_DATE_EPOCH
W() { local s=$1; shift; "$WIMG" --store "$WORK/$s" "$@"; }
last_line() { tail -n 1 "$E2E_TMP/out"; }
PKG=npm:@ruby/4.0-wasm-wasi@2.10.1

expect_rc 0 "import $PKG" W a import "$PKG" -t ruby:4.0
d=$(last_line)
assert_match 'sha256:[0-9a-f]{64}' "$d" "import's last line"
assert_contains "integrity checked" "$(cat "$E2E_TMP/err")" "first import"
# Offline: npm's registry setting points nowhere; the cache must serve it.
expect_rc 0 "second import, offline" env NPM_CONFIG_REGISTRY=http://127.0.0.1:9/ "$WIMG" --store "$WORK/a" import "$PKG"
assert_eq "$d" "$(last_line)" "digest of the second import"
assert_contains "from the store's cache" "$(cat "$E2E_TMP/err")" "second import"
expect_rc 0 "import in a second fresh store" W b import "$PKG"
assert_eq "$d" "$(last_line)" "digest in a second fresh store"

expect_rc 0 "rexml with RubyGems" W a run ruby:4.0 -e 'require "rexml/document"; puts RUBY_VERSION[0, 3], REXML::Document.new("<a>x</a>").root.text'
assert_eq $'4.0\nx' "$(cat "$E2E_TMP/out")" "ruby:4.0 with a bundled gem"
expect_rc 1 "--disable-gems" W a run ruby:4.0 --disable-gems -e 'require "rexml/document"'
assert_contains "cannot load such file -- rexml/document" "$(cat "$E2E_TMP/err")" "--disable-gems"

# The multi example FROM ruby:4.0 prints what it prints FROM ruby:3.4.
cp -r "$WIMG_REPO/examples/ruby/multi" "$WORK/multi"
sed -i 's/^FROM ruby:3\.4$/FROM ruby:4.0/' "$WORK/multi/Wasmfile"
grep -q '^FROM ruby:4\.0$' "$WORK/multi/Wasmfile" || fail "examples/ruby/multi/Wasmfile is not FROM ruby:3.4 any more"
expect_rc 0 "build multi FROM ruby:4.0" W a build -t multi:4 -o "$WORK/multi.wasm" "$WORK/multi"
expect_rc 0 "run multi FROM ruby:4.0" W a run "$WORK/multi.wasm"
assert_eq "$(cat "$WIMG_REPO/examples/ruby/multi/expected.txt")" "$(cat "$E2E_TMP/out")" "multi FROM ruby:4.0"

expect_rc 2 "no version" W a import npm:@ruby/4.0-wasm-wasi
expect_rc 2 "a range" W a import "npm:@ruby/4.0-wasm-wasi@^2.10.1"
assert_contains "not an exact version" "$(cat "$E2E_TMP/err")" "a range"
note "ok"
