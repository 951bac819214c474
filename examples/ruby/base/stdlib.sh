#!/usr/bin/env bash
# stdlib.sh OUTDIR: makes OUTDIR/stdlib/usr/local/lib/ruby/... (the Ruby 3.4
# standard library of npm's ruby+stdlib.wasm, dumped by dump_stdlib.mjs) once.
# Cached: when OUTDIR/stdlib.ok exists and OUTDIR/stdlib.key names the same
# module (its SHA-256), the tree is reused as is. Otherwise the
# tar is made, checked against its trailing manifest (every file's size and
# SHA-256, nothing missing, nothing extra, the WIMG-STDLIB-END line present)
# and only then renamed into place, so an interrupted run never leaves a tree
# that looks complete. Prints "stdlib: FILES files, BYTES bytes in DIR".
#
# Paths: scripts/lib/paths.sh. Overridable: WIMG_NODE (node >= 24), RUBY_STDLIB_WASM.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
WASM=${RUBY_STDLIB_WASM:-$RUBY_DIST/ruby+stdlib.wasm}

die() { echo "stdlib.sh: $*" >&2; exit 1; }
(($# == 1)) || die "usage: stdlib.sh OUTDIR"
[[ -x "$NODE" ]] || die "no node at $NODE (run scripts/setup, or set WIMG_NODE)"
[[ -f "$WASM" ]] || die "no $WASM (run scripts/setup)"
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

# One maker at a time per OUTDIR (parallel ctest runs may share a cache).
exec 9>"$OUT/.stdlib.lock"
flock 9
# The cache is keyed by the module it was dumped from (a new npm version
# dumps again).
key="$(sha256sum <"$WASM" | cut -d' ' -f1) $(basename "$WASM")"
if [[ -f "$OUT/stdlib.ok" && -d "$OUT/stdlib/usr/local/lib/ruby" && "$(cat "$OUT/stdlib.key" 2>/dev/null)" == "$key" ]]; then
  cat "$OUT/stdlib.ok"
  exit 0
fi

rm -rf "$OUT/stdlib" "$OUT/stdlib.ok" "$OUT/stdlib.manifest" "$OUT/stdlib.key"
TMP=$(mktemp -d "$OUT/.stdlib-tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
"$NODE" "$HERE/dump_stdlib.mjs" "$WASM" >"$TMP/stdlib.tar" 2>"$TMP/dump.err" ||
  die "dump_stdlib.mjs failed: $(cat "$TMP/dump.err")"
grep -q '^dump_stdlib: complete files=' "$TMP/dump.err" || die "dump incomplete: $(cat "$TMP/dump.err")"
mkdir "$TMP/tree"
tar -xf "$TMP/stdlib.tar" -C "$TMP/tree" --no-same-owner
mv "$TMP/tree/wimg-stdlib-manifest.txt" "$TMP/manifest.txt" || die "the tar has no manifest"

summary=$(python3 - "$TMP/tree" "$TMP/manifest.txt" <<'PY'
import hashlib, os, sys
root, manifest = sys.argv[1], sys.argv[2]
lines = open(manifest, encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
if not lines or not lines[-1].startswith("WIMG-STDLIB-END "):
    sys.exit("stdlib.sh: manifest has no WIMG-STDLIB-END line (truncated dump)")
end = dict(kv.split("=") for kv in lines[-1].split()[1:])
want = {}
for line in lines[:-1]:
    digest, size, path = line.split(" ", 2)
    want[path] = (digest, int(size))
have = set()
for dp, dns, fns in os.walk(root):
    for n in fns:
        have.add(os.path.relpath(os.path.join(dp, n), root))
missing = sorted(set(want) - have)
extra = sorted(have - set(want))
if missing or extra:
    sys.exit(f"stdlib.sh: missing {missing[:5]} extra {extra[:5]}")
total = 0
for path, (digest, size) in want.items():
    b = open(os.path.join(root, path), "rb").read()
    if len(b) != size or hashlib.sha256(b).hexdigest() != digest:
        sys.exit(f"stdlib.sh: {path} differs from the manifest")
    total += size
if len(want) != int(end["files"]) or total != int(end["bytes"]):
    sys.exit(f"stdlib.sh: manifest says {end}, found {len(want)} files, {total} bytes")
print(f"{len(want)} {total}")
PY
) || exit 1
read -r files bytes <<<"$summary"
mv "$TMP/tree" "$OUT/stdlib"
mv "$TMP/manifest.txt" "$OUT/stdlib.manifest"
echo "$key" >"$OUT/stdlib.key"
echo "stdlib: $files files, $bytes bytes in $OUT/stdlib" >"$OUT/stdlib.ok"
cat "$OUT/stdlib.ok"
