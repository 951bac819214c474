#!/usr/bin/env bash
# Benchmark: `wimg layer add` (cold and warm) against tar and cp on the same
# tree. A report, not a test: exits 0 whether or not the targets are met
# (non-zero only if a command fails).
#
#   bench/layer_add.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# Env: BENCH_RUNS (timed runs per workload, default 7, minimum 7),
#      BENCH_TMPDIR (where the tree and stores go; default $TMPDIR or /tmp),
#      BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WIMG_BIN=${1:-$ROOT/build/wimg}
RUNS=${BENCH_RUNS:-7}
(( RUNS >= 7 )) || RUNS=7

[[ -x "$WIMG_BIN" ]] || { echo "bench: $WIMG_BIN is not an executable" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }

# gen_tree and tree_stats come from the e2e helpers.
# shellcheck source=../tests/e2e/lib.sh
source "$ROOT/tests/e2e/lib.sh"
E2E_NAME=bench

BENCH_TMP=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/wimg-bench.XXXXXX")
cleanup() {
  if [[ -n "${BENCH_KEEP:-}" ]]; then
    echo "bench: keeping $BENCH_TMP" >&2
  else
    chmod -R u+w "$BENCH_TMP" 2>/dev/null || true
    rm -rf "$BENCH_TMP"
  fi
}
trap cleanup EXIT

# A private copy, so a concurrent rebuild cannot change the binary mid-run.
cp "$WIMG_BIN" "$BENCH_TMP/wimg"

TREE=$BENCH_TMP/tree
gen_tree "$TREE" 2000 bench --max-size 81920 --symlinks 20
read -r files bytes unique links < <(tree_stats "$TREE")
# Let every entry leave the stat cache's 2 s racy window.
sleep 2.5

echo "wimg:   $WIMG_BIN ($("$BENCH_TMP/wimg" --version 2>/dev/null | head -n 1 || echo '?'))"
echo "host:   $(nproc) CPUs, $(uname -sr), filesystem $(df -T "$BENCH_TMP" | awk 'NR==2 {print $2}')"
echo "tree:   $files files, $bytes bytes ($(( bytes / 1048576 )) MiB), $unique distinct contents, $links symlinks"
echo "runs:   median of $RUNS timed runs each (one untimed warm-up; sync before every run)"
echo

PYTHONPATH="$(dirname "$0")" python3 - "$BENCH_TMP/wimg" "$BENCH_TMP" "$TREE" "$RUNS" <<'PY'
import os, shutil, statistics, sys, time

wimg, tmp, tree, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def rm(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)

from benchlib import run  # bench/benchlib.py

def bench(prepare, cmd_of, cleanup, check=None):
    """One untimed warm-up, then `runs` timed runs; returns times in ms."""
    times = []
    for i in range(runs + 1):
        prepare(i)
        os.sync()
        t0 = time.perf_counter()
        out = run(cmd_of(i))
        t1 = time.perf_counter()
        if check:
            check(out)
        cleanup(i)
        if i > 0:
            times.append((t1 - t0) * 1000.0)
    return times

digests = set()
def digest_of(out):
    d = out.strip().splitlines()[-1]
    if not d.startswith("sha256:"):
        sys.exit(f"bench: unexpected layer add output: {out!r}")
    digests.add(d)

nothing = lambda i: None
tar_out = os.path.join(tmp, "out.tar")
cp_out = lambda i: os.path.join(tmp, f"cp-copy-{i}")

results = {}
results["tar cf"] = bench(nothing, lambda i: ["tar", "cf", tar_out, "-C", tree, "."], lambda i: rm(tar_out))
# Copies are kept until the end, like the cold stores (see below).
results["cp -r"] = bench(nothing, lambda i: ["cp", "-r", tree, cp_out(i)], nothing)
cold_store = lambda i: os.path.join(tmp, f"cold-store-{i}")
# Cold stores are removed only after all runs: on ext4, creating a file
# right after thousands were deleted is several times slower (the inode
# allocator skips recently deleted inodes, `recently_deleted()` in perf),
# which would charge one run's cleanup to the next.
results["wimg layer add (cold)"] = bench(
    lambda i: rm(cold_store(i)),
    lambda i: [wimg, "--store", cold_store(i), "layer", "add", tree],
    nothing,
    digest_of)
warm = os.path.join(tmp, "warm-store")
run([wimg, "--store", warm, "layer", "add", tree])  # populates objects and the stat cache
results["wimg layer add (warm)"] = bench(
    nothing, lambda i: [wimg, "--store", warm, "layer", "add", tree], nothing, digest_of)

if len(digests) != 1:
    sys.exit(f"bench: layer add gave different digests: {sorted(digests)}")

med = {k: statistics.median(v) for k, v in results.items()}
tar = med["tar cf"]
print(f"{'workload':<24}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'/ tar':>8}")
for k, v in results.items():
    print(f"{k:<24}{med[k]:>11.1f}{min(v):>9.1f}{max(v):>9.1f}{med[k] / tar:>8.2f}")
print()
targets = [("cold/tar", med["wimg layer add (cold)"] / tar, 4.0),
           ("warm/tar", med["wimg layer add (warm)"] / tar, 1.0)]
for name, ratio, limit in targets:
    verdict = "PASS" if ratio <= limit else "FAIL"
    print(f"{name:<10} {ratio:6.2f}  (target <= {limit:.1f})  {verdict}")
cold_cp = med["wimg layer add (cold)"] / med["cp -r"]
print(f"{'cold/cp':<10} {cold_cp:6.2f}  (context only: cp -r also creates one file per input file)")
print(f"digest     {digests.pop()}")
PY
