#!/usr/bin/env bash
# Benchmark: the writable upper layer (runtime/guest/README.md, "The upper
# layer"). A report, not a test: exits 0 whatever the ratios (non-zero only
# if a command fails). Each ratio is against a baseline measured in the
# same run (median of BENCH_RUNS, default 5).
#
#   bench/upper.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# 1. /tmp I/O (bench/guest/tmp_io.c): write then read back 100 MiB in /tmp.
#      host   the module WITHOUT the runtime, /tmp a host dir (node's own
#             preopen: uvwasi, the kernel's page cache)
#      image  the packed module, no host dir: /tmp in the upper layer
#    goal: host/image >= 1 (the image at least as fast).
# 2. Ruby, GC-heavy (bench/ruby/gc_tmp.rb, ruby:3.4 from the npm package):
#    with 50 MiB in /tmp vs an empty /tmp. The guest's memory grows many
#    times; the runtime's region, which holds the upper layer, moves with
#    amortised copies (runtime/inject/vmem.h). goal: <= 1.1.
# 3. Memory of an empty upper layer (bench/guest/hello_tmp.c, which makes
#    the runtime create /tmp): the module's memory after the run, default
#    vs --read-only (WIMG_UPPER=ro). goal: <= 64 KiB more.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../scripts/lib/paths.sh"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
bench_setup upper "${1:-}"
export WIMG_NODE=$NODE
mkdir -p "$T/empty/app" "$T/htmp"

echo "== 1. write + read back 100 MiB in /tmp"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$HERE/guest/tmp_io.c" -o "$T/tmp_io.wasm"
"$WIMG_BIN" pack "$T/tmp_io.wasm" -o "$T/tmp_io.packed.wasm" --layer "$T/empty" >/dev/null
out_host=$("$NODE" "$RUNNER" --dir "$T/htmp::/tmp" -- "$T/tmp_io.wasm" 100)
out_image=$("$NODE" "$RUNNER" -- "$T/tmp_io.packed.wasm" 100)
[[ $out_host == "$out_image" ]] || die "different results: host '$out_host', image '$out_image'"
host=$(median_ms "$NODE" "$RUNNER" --dir "$T/htmp::/tmp" -- "$T/tmp_io.wasm" 100)
image=$(median_ms "$NODE" "$RUNNER" -- "$T/tmp_io.packed.wasm" 100)
echo "host (node's preopen of a host /tmp): ${host} ms"
echo "image (the upper layer): ${image} ms"
echo "host/image: $(ratio "$host" "$image") (goal >= 1)"

echo "== 2. Ruby GC-heavy, 50 MiB in /tmp vs empty"
bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$WIMG_STORE" --wimg "$WIMG_BIN" >/dev/null 2>&1 ||
  die "ruby:3.4 import failed"
mkdir -p "$T/rb"
cp "$HERE/ruby/gc_tmp.rb" "$T/rb/"
printf 'FROM ruby:3.4\nCOPY gc_tmp.rb /app/\nENTRYPOINT ["/app/gc_tmp.rb"]\n' >"$T/rb/Wasmfile"
"$WIMG_BIN" build -f "$T/rb/Wasmfile" -o "$T/gc.wasm" "$T/rb" >/dev/null
"$NODE" "$RUNNER" -- "$T/gc.wasm" 50
empty=$(median_ms "$NODE" "$RUNNER" -- "$T/gc.wasm" 0)
full=$(median_ms "$NODE" "$RUNNER" -- "$T/gc.wasm" 50)
echo "empty /tmp: ${empty} ms"
echo "50 MiB in /tmp: ${full} ms"
echo "full/empty: $(ratio "$full" "$empty") (goal <= 1.1; includes writing the 50 MiB)"

echo "== 3. memory of an empty upper layer"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$HERE/guest/hello_tmp.c" -o "$T/hello.wasm"
"$WIMG_BIN" pack "$T/hello.wasm" -o "$T/hello.packed.wasm" --layer "$T/empty" >/dev/null
ro=$("$NODE" "$HERE/guest/memsize.mjs" "$T/hello.packed.wasm" WIMG_UPPER=ro | tail -1)
rw=$("$NODE" "$HERE/guest/memsize.mjs" "$T/hello.packed.wasm" | tail -1)
echo "read-only: $ro bytes; writable with /tmp: $rw bytes"
echo "overhead: $(((rw - ro) / 1024)) KiB (goal <= 64 KiB)"
