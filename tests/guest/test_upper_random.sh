#!/usr/bin/env bash
# test_upper_random.sh (ctest guest.upper_random): a seeded random walk of
# file-system operations (random/fs_ops.c: create, write at offsets,
# append, truncate, unlink, mkdir, rmdir, rename, link, symlink, lstat,
# sorted listings, contents' hashes) must print the same transcript three
# ways, for every seed:
#   host   the plain module on node's own preopen of an empty host dir
#   image  the packed module, the dir an empty dir of the image, no host
#          dir: every change in the writable upper layer
#   mount  the packed module with the host dir given as --dir: the
#          runtime resolves every path (hostpath.c) and the host does the work
# Each seed starts from an empty tree and from a tree with files, nested
# dirs and symlinks in the image (copy-up), a copy of it on the host.
# Env: WIMG (required), SEEDS (default 30), OPS (default 300).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_SCRIPT=test_upper_random.sh
# shellcheck source=lib.sh
source "$HERE/lib.sh"
WIMG=${WIMG:?set WIMG to the wimg binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/wimg-upper-random.XXXXXX")
trap 'rm -rf "$T"' EXIT
export WIMG_STORE=$T/store
build_guests "$T" "$HERE/random/fs_ops.c"
# Two starting trees: empty, and one with files, a 100 kB file, nested
# dirs and symlinks (so that the walk copies image files and dirs up).
mkdir -p "$T/empty/s" "$T/full/s/d0" "$T/full/s/d1/d2"
echo zero >"$T/full/s/f0"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7919) % 251 for i in range(100000)))' >"$T/full/s/f1"
echo "in d0" >"$T/full/s/d0/f0"
echo deep >"$T/full/s/d1/d2/f0"
ln -s f0 "$T/full/s/l0"
ln -s f0 "$T/full/s/d0/l1" # never "../": node lets such a link escape /s (its old hole), the runtime does not
for tree in empty full; do
  # --mount /s: /s is a preopen in the image as on the host, so that `..`
  # above it is refused alike
  "$WIMG" pack "$T/fs_ops.wasm" -o "$T/$tree.wasm" --layer "$T/$tree" --mount /s >/dev/null || die "wimg pack failed"
done
fails=0
for seed in $(seq 1 "${SEEDS:-30}"); do
  for tree in empty full; do
    rm -rf "$T/h" "$T/m"
    cp -a "$T/$tree/s" "$T/h"
    cp -a "$T/$tree/s" "$T/m"
    "$NODE" "$RUNNER" --dir "$T/h::/s" -- "$T/fs_ops.wasm" /s "$seed" "${OPS:-300}" >"$T/host.txt" 2>&1 || true
    "$NODE" "$RUNNER" -- "$T/$tree.wasm" /s "$seed" "${OPS:-300}" >"$T/image.txt" 2>&1 || true
    "$NODE" "$RUNNER" --dir "$T/m::/s" -- "$T/$tree.wasm" /s "$seed" "${OPS:-300}" >"$T/mount.txt" 2>&1 || true
    for mode in image mount; do
      if ! cmp -s "$T/host.txt" "$T/$mode.txt"; then
        fails=$((fails + 1))
        echo "FAIL seed $seed, $tree tree: $mode differs from node's host dir"
        diff -u --label host --label "$mode" "$T/host.txt" "$T/$mode.txt" | head -20
      fi
    done
  done
done
lines=$(wc -l <"$T/host.txt")
((lines > 100)) || die "the last transcript has only $lines lines: did the program run?"
echo "test_upper_random.sh: ${SEEDS:-30} seeds x 2 trees x ${OPS:-300} ops, $fails differences"
((fails == 0))
