#!/usr/bin/env bash
# build.sh [--store DIR] OUT.wasm: builds the browser example's app (the
# Wasmfile beside this script) into OUT.wasm, a CRuby reactor module with the
# standard library and app/ embedded.
#
# The context is laid out in a temporary directory: npm's ruby.wasm, the
# standard library dumped by examples/ruby/base/stdlib.sh, and app/.
# Env: WIMG (the wimg binary; default build/wimg),
# WIMG_RUBY_CACHE (where stdlib.sh keeps the dumped standard library;
# default build/ruby-stdlib). Without --store, wimg's default store is used
# ($WIMG_STORE, $XDG_DATA_HOME/wimg, ~/.local/share/wimg).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
WIMG=${WIMG:-$SRC/build/wimg}
CACHE=${WIMG_RUBY_CACHE:-$SRC/build/ruby-stdlib}
RUBY_WASM=$RUBY_DIST/ruby.wasm

die() { echo "build.sh: $*" >&2; exit 1; }
store=()
if [[ ${1:-} == --store ]]; then
  (($# >= 2)) || die "--store needs a directory"
  store=(--store "$2")
  shift 2
fi
(($# == 1)) || die "usage: build.sh [--store DIR] OUT.wasm"
OUT=$1
[[ -x "$WIMG" ]] || die "no wimg at $WIMG (build it, or set WIMG)"
[[ -f "$RUBY_WASM" ]] || die "no $RUBY_WASM (run scripts/setup)"

WIMG="$WIMG" bash "$SRC/examples/ruby/base/stdlib.sh" "$CACHE" >&2
CTX=$(mktemp -d "${TMPDIR:-/tmp}/wimg-browser-ctx.XXXXXX")
trap 'rm -rf "$CTX"' EXIT
cp "$HERE/Wasmfile" "$RUBY_WASM" "$CTX/"
cp -R "$CACHE/stdlib/usr/local/lib/ruby" "$CTX/stdlib"
cp -R "$HERE/app" "$CTX/app"
"$WIMG" "${store[@]}" build -o "$OUT" "$CTX"
