#!/usr/bin/env bash
# Benchmark: peak memory (RSS) of wimg on very large inputs (issue 16). A
# report, not a test: exits 0 whether or not the goals are met (non-zero
# only if a command fails).
#
#   bench/reliability.sh [WIMG_BINARY]    default build/wimg of this checkout
#
# Workloads, each run once (peak RSS does not need repeats; the time is
# shown for information), against a baseline measured in the same run:
#   baseline   layer add of a one-file tree (what wimg costs at all)
#   sparse     layer add of a tar holding a 10 GiB sparse member (a few KiB)
#   dense      layer add of a tree holding one 1.5 GiB file
#   render     build -o of an image with that 1.5 GiB file
# Goals: sparse, dense and render bounded by a constant (<= 64 MiB):
# `build -o` streams the module to its file (image::write_wasm).
#
# Env: BENCH_TMPDIR (default $TMPDIR or /tmp; needs ~5 GiB free),
#      BENCH_SPARSE_GIB (10), BENCH_DENSE_MIB (1536), BENCH_RENDER=0 skips
#      the render workload, BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail
# shellcheck source=../scripts/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/paths.sh"
WIMG_BIN=${1:-$WIMG_REPO/build/wimg}
[[ -x "$WIMG_BIN" ]] || { echo "bench: $WIMG_BIN is not an executable" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }
command -v wat2wasm >/dev/null || { echo "bench: wat2wasm (wabt) is required" >&2; exit 2; }

T=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/wimg-reliability.XXXXXX")
cleanup() {
  if [[ -n "${BENCH_KEEP:-}" ]]; then echo "bench: keeping $T" >&2; else chmod -R u+w "$T" 2>/dev/null || true; rm -rf "$T"; fi
}
trap cleanup EXIT
cp "$WIMG_BIN" "$T/wimg"
S=$T/store

# measure NAME cmd...: runs cmd once; prints NAME, peak RSS (MiB) and time.
measure() {
  local name=$1
  shift
  python3 - "$name" "$@" <<'PY'
import resource, subprocess, sys, time
name, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
with open("/dev/null", "wb") as null:
    rc = subprocess.call(cmd, stdout=null)
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if rc != 0:
    sys.exit(f"bench: {name}: exit {rc}")
print(f"{name} {rss:.1f} {dt:.2f}")
PY
}

mkdir -p "$T/small" "$T/sparse" "$T/dense"
echo small >"$T/small/f"
truncate -s "${BENCH_SPARSE_GIB:-10}G" "$T/sparse/hole"
printf 'end' >>"$T/sparse/hole"
tar --sparse -C "$T/sparse" -cf "$T/sparse.tar" hole
rm "$T/sparse/hole"
dd if=/dev/urandom of="$T/dense/big" bs=1M count="${BENCH_DENSE_MIB:-1536}" status=none

results=()
results+=("$(measure baseline "$T/wimg" --store "$S" layer add "$T/small")")
results+=("$(measure sparse "$T/wimg" --store "$S" layer add "$T/sparse.tar")")
results+=("$(measure dense "$T/wimg" --store "$S" layer add "$T/dense")")
if [[ "${BENCH_RENDER:-1}" != 0 ]]; then
  printf '(module (memory (export "memory") 1) (func (export "_start")))' >"$T/base.wat"
  wat2wasm "$T/base.wat" -o "$T/dense/base.wasm"
  printf 'FROM base.wasm\nCOPY big /big\n' >"$T/dense/Wasmfile"
  "$T/wimg" --store "$S" build "$T/dense" >/dev/null  # layers and base prepared: render only below
  results+=("$(measure render "$T/wimg" --store "$S" build "$T/dense" -o "$T/out.wasm")")
fi

base_rss=$(awk '{print $2}' <<<"${results[0]}")
printf '%-10s %12s %10s %10s\n' workload "peak RSS" "x baseline" "time"
for r in "${results[@]}"; do
  read -r name rss secs <<<"$r"
  printf '%-10s %9.1f MiB %9.2fx %8.2f s\n' "$name" "$rss" "$(awk -v a="$rss" -v b="$base_rss" 'BEGIN{print a/b}')" "$secs"
done
echo "goal: sparse, dense and render <= 64 MiB (bounded by a constant, whatever the member or output size)"
