#!/usr/bin/env bash
# Benchmark: `wimg run hello.wasm`, spawn to exit, with and without
# PREINIT (issue 12). A report, not a test: exits 0 whatever the ratio
# (non-zero only if a command or an output check fails).
#
#   bench/preinit.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# examples/ruby/hello (ruby:3.4, ENTRYPOINT hello.rb) built twice: as is,
# and with a PREINIT line (a snapshot Wizer takes after ruby-init). Then
# BENCH_RUNS (default 11) alternating pairs of whole `wimg run X.wasm`
# processes (the order flips each pair), each output checked against
# examples/ruby/hello/expected.txt; prints the medians, min/max, the ratio,
# both sizes and the build time of the snapshot. Needs Wizer ($WIMG_WIZER,
# scripts/lib/paths.sh: tools/wizer).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../scripts/lib/paths.sh"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
bench_setup preinit "${1:-}"
RUNS=${BENCH_RUNS:-11}
export WIMG_NODE=$NODE
[[ -x "$WIMG_WIZER" ]] || die "no Wizer at $WIMG_WIZER (run scripts/setup, or set WIMG_WIZER)"

bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$WIMG_STORE" --wimg "$WIMG_BIN" >/dev/null 2>&1 ||
  die "ruby:3.4 import failed"
mkdir -p "$T/plain" "$T/pre"
for d in plain pre; do cp "$WIMG_REPO/examples/ruby/hello/hello.rb" "$WIMG_REPO/examples/ruby/hello/Wasmfile" "$T/$d/"; done
echo PREINIT >>"$T/pre/Wasmfile"
"$WIMG_BIN" build -o "$T/plain.wasm" "$T/plain" >/dev/null || die "build failed"
t0=$(date +%s%N)
"$WIMG_BIN" build -o "$T/pre.wasm" "$T/pre" >/dev/null || die "PREINIT build failed"
snap_ms=$((($(date +%s%N) - t0) / 1000000))

python3 - "$RUNS" "$WIMG_BIN" "$T/plain.wasm" "$T/pre.wasm" "$WIMG_REPO/examples/ruby/hello/expected.txt" "$snap_ms" <<'PY'
import os, statistics, subprocess, sys, time
runs, wimg, plain, pre, expected, snap_ms = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
want = open(expected).read()
def one(wasm):
    t0 = time.perf_counter()
    p = subprocess.run([wimg, "run", wasm], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    ms = (time.perf_counter() - t0) * 1e3
    if p.returncode != 0 or p.stdout.decode() != want or p.stderr:
        sys.exit(f"bench: wimg run {wasm}: exit {p.returncode}, stdout {p.stdout[:200]!r}, stderr {p.stderr[-500:]!r}")
    return ms
one(plain); one(pre)  # warm-up (page cache), checked
t = {"plain": [], "pre": []}
for i in range(runs):
    order = [("plain", plain), ("pre", pre)] if i % 2 == 0 else [("pre", pre), ("plain", plain)]
    for k, w in order:
        t[k].append(one(w))
load = os.getloadavg()[0]
print(f"wimg run hello.wasm, spawn to exit: {runs} alternating pairs of whole processes, load {load:.2f} on {os.cpu_count()} CPUs")
for k, w, label in (("plain", plain, "without PREINIT"), ("pre", pre, "with PREINIT")):
    v = t[k]
    print(f"  {label:<17} median {statistics.median(v):8.1f} ms  (min {min(v):.1f}, max {max(v):.1f})  {os.path.getsize(w):,} bytes")
print(f"  with/without: {statistics.median(t['pre']) / statistics.median(t['plain']):.3f}")
print(f"  the snapshot's build (wimg build -o with PREINIT, Wizer included): {snap_ms} ms")
PY
