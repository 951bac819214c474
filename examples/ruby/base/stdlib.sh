#!/usr/bin/env bash
# stdlib.sh OUTDIR: makes OUTDIR/stdlib/usr/local/lib/ruby/... (the Ruby 3.4
# standard library of npm's ruby+stdlib.wasm) once, for tests and
# benchmarks that need it as a directory. wimg takes it out itself (`wimg
# import`, which checks every file against the copy's manifest) into a
# temp store, and `wimg export` writes it; only then is it renamed into
# place, so an interrupted run never leaves a tree that looks complete.
# Cached: when OUTDIR/stdlib.ok exists and OUTDIR/stdlib.key names the same
# module (its SHA-256), the tree is reused as is. Prints "stdlib: FILES
# files, BYTES bytes in DIR".
#
# Overridable: WIMG (the wimg binary, default build/wimg of the repo),
# WIMG_NODE (node >= 24), RUBY_STDLIB_WASM.
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/paths.sh"
WASM=${RUBY_STDLIB_WASM:-$RUBY_DIST/ruby+stdlib.wasm}
WIMG_BIN=${WIMG:-$WIMG_REPO/build/wimg}

die() { echo "stdlib.sh: $*" >&2; exit 1; }
(($# == 1)) || die "usage: stdlib.sh OUTDIR"
[[ -x "$WIMG_BIN" ]] || die "no wimg at $WIMG_BIN (build it, or set WIMG)"
[[ -f "$WASM" ]] || die "no $WASM (run scripts/setup)"
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

# One maker at a time per OUTDIR (parallel ctest runs may share a cache).
exec 9>"$OUT/.stdlib.lock"
flock 9
key="$(sha256sum <"$WASM" | cut -d' ' -f1) $(basename "$WASM") wimg-import"
if [[ -f "$OUT/stdlib.ok" && -d "$OUT/stdlib/usr/local/lib/ruby" && "$(cat "$OUT/stdlib.key" 2>/dev/null)" == "$key" ]]; then
  cat "$OUT/stdlib.ok"
  exit 0
fi

rm -rf "$OUT/stdlib" "$OUT/stdlib.ok" "$OUT/stdlib.key"
TMP=$(mktemp -d "$OUT/.stdlib-tmp.XXXXXX")
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
WIMG_NODE=$NODE "$WIMG_BIN" --store "$TMP/store" import "$WASM" >"$TMP/import.out" 2>"$TMP/import.err" ||
  die "wimg import $WASM failed: $(cat "$TMP/import.err")"
digest=$(tail -n 1 "$TMP/import.out")
"$WIMG_BIN" --store "$TMP/store" export "$digest" -o "$TMP/tree" >/dev/null 2>"$TMP/export.err" ||
  die "wimg export failed: $(cat "$TMP/export.err")"
[[ -d "$TMP/tree/usr/local/lib/ruby" ]] || die "$WASM carries no /usr/local/lib/ruby"
read -r files bytes < <(find "$TMP/tree" -type f -printf '%s\n' | awk '{n++; b+=$1} END {print n+0, b+0}')
mv "$TMP/tree" "$OUT/stdlib"
echo "$key" >"$OUT/stdlib.key"
echo "stdlib: $files files, $bytes bytes in $OUT/stdlib" >"$OUT/stdlib.ok"
cat "$OUT/stdlib.ok"
