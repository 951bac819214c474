# shellcheck shell=bash
# Shared by the bench scripts (sourced after scripts/lib/paths.sh): timing
# helpers (RUNS must be set) and bench_setup.

die() { echo "bench: $*" >&2; exit 2; }

# bench_setup NAME [WIMG_BINARY]: WIMG_BIN (default build/wimg), RUNS
# (BENCH_RUNS, default 5), RUNNER (the node WASI runner), node 24 and
# clang-19 checked, a temp dir T removed at exit and WIMG_STORE in it.
bench_setup() {
  WIMG_BIN=${2:-$WIMG_REPO/build/wimg}
  RUNS=${BENCH_RUNS:-5}
  RUNNER=$WIMG_REPO/runtime/runner/wasi-run.mjs
  [[ -x "$WIMG_BIN" ]] || die "$WIMG_BIN is not an executable"
  [[ -x "$NODE" ]] || die "no node 24 (run scripts/setup)"
  command -v clang-19 >/dev/null || die "no clang-19 (run scripts/setup)"
  T=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/wimg-bench-$1.XXXXXX")
  trap 'rm -rf "$T"' EXIT
  export WIMG_STORE=$T/store
}

# median_ms CMD...: runs CMD RUNS times after one warm-up, prints the median in ms.
median_ms() {
  python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time, statistics
runs = int(sys.argv[1]); cmd = sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
ts = []
for _ in range(runs):
    t0 = time.perf_counter(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL); ts.append((time.perf_counter() - t0) * 1e3)
print(f"{statistics.median(ts):.1f}")
PY
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
