#!/usr/bin/env bash
# Benchmark: what the runtime's own resolution of host directories costs
# (runtime/guest/README.md, "Host directories"). A report, not a test:
# exits 0 whatever the ratios (non-zero only if a command fails).
#
#   bench/host_mounts.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# Workload (median of BENCH_RUNS, default 5): bench/guest/host_paths.c does
# 5,000 x (stat + open/read/close) of a file 5 directories deep, under node 24:
#   plain     the module WITHOUT the runtime, node's own preopen (uvwasi
#             resolves the path; no isolation: the baseline)
#   mounted   the packed module, the same host dir given with --dir: the
#             runtime resolves every component (lstat, open, close each)
#   embedded  the packed module with the same tree inside the image
# Ratios: mounted/plain (the price of the isolation), embedded/plain.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../scripts/lib/paths.sh"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
bench_setup mounts "${1:-}"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$HERE/guest/host_paths.c" -o "$T/plain.wasm"
mkdir -p "$T/host/a/b/c/d" "$T/img/data/a/b/c/d" "$T/empty/app"
echo "hello" >"$T/host/a/b/c/d/f.txt"
echo "hello" >"$T/img/data/a/b/c/d/f.txt"
"$WIMG_BIN" pack "$T/plain.wasm" -o "$T/mounted.wasm" --layer "$T/empty" >/dev/null
"$WIMG_BIN" pack "$T/plain.wasm" -o "$T/embedded.wasm" --layer "$T/img" --mount /data >/dev/null


N=5000
plain=$(median_ms "$NODE" "$RUNNER" --dir "$T/host::/data" -- "$T/plain.wasm" $N)
mounted=$(median_ms "$NODE" "$RUNNER" --dir "$T/host::/data" -- "$T/mounted.wasm" $N)
embedded=$(median_ms "$NODE" "$RUNNER" -- "$T/embedded.wasm" $N)
echo "plain (node's preopen, no runtime): ${plain} ms"
echo "mounted (--dir, resolved by the runtime): ${mounted} ms"
echo "embedded (the tree in the image): ${embedded} ms"
echo "mounted/plain: $(ratio "$mounted" "$plain") (the price of resolving each component; no target)"
echo "embedded/plain: $(ratio "$embedded" "$plain")"
