#!/usr/bin/env bash
# Benchmark: `wimg build -o` of a Ruby app on CRuby 3.4 (npm's ruby.wasm)
# with the Ruby 3.4 stdlib as a base layer: the no-change rebuild and the
# rebuild after changing one app file, against `cp` of the output. A
# report, not a test: exits 0 whether or not the targets are met (non-zero
# only if a command fails).
#
#   bench/build.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# Targets (issue 4): both rebuilds <= 50 ms and <= 2x `cp` of the output.
# Env: BENCH_RUNS (timed runs per workload, default 7, minimum 7),
#      BENCH_TMPDIR (where the context and the store go), BENCH_KEEP=1,
#      WIMG_RUBY_CACHE (where examples/ruby/base/stdlib.sh keeps the dumped stdlib).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../scripts/lib/paths.sh"
ROOT=$WIMG_REPO
WIMG_BIN=${1:-$ROOT/build/wimg}
RUNS=${BENCH_RUNS:-7}
(( RUNS >= 7 )) || RUNS=7
RUBY_WASM=$RUBY_DIST/ruby.wasm

[[ -x "$WIMG_BIN" ]] || { echo "bench: $WIMG_BIN is not an executable" >&2; exit 2; }
[[ -f "$RUBY_WASM" ]] || { echo "bench: no $RUBY_WASM (scripts/setup)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is required" >&2; exit 2; }

BENCH_TMP=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/wimg-bench-build.XXXXXX")
cleanup() {
  if [[ -n "${BENCH_KEEP:-}" ]]; then
    echo "bench: keeping $BENCH_TMP" >&2
  else
    chmod -R u+w "$BENCH_TMP" 2>/dev/null || true
    rm -rf "$BENCH_TMP"
  fi
}
trap cleanup EXIT
cp "$WIMG_BIN" "$BENCH_TMP/wimg"

# The context: ruby.wasm, the stdlib and the app.
CACHE=${WIMG_RUBY_CACHE:-$ROOT/build/ruby-stdlib}
WIMG="$WIMG_BIN" bash "$ROOT/examples/ruby/base/stdlib.sh" "$CACHE" >/dev/null
CTX=$BENCH_TMP/ctx
mkdir -p "$CTX"
cp "$RUBY_WASM" "$CTX/ruby.wasm"
cp -r "$CACHE/stdlib/usr/local/lib/ruby" "$CTX/stdlib"
cp -r "$ROOT/tests/ruby/app" "$CTX/app"
cat >"$CTX/Wasmfile" <<'EOF'
FROM ruby.wasm
COPY stdlib /usr/local/lib/ruby
MOUNT /usr/local/lib/ruby
ENV RUBYLIB=/usr/local/lib/ruby/3.4.0:/usr/local/lib/ruby/3.4.0/wasm32-wasi
COPY app /app
WORKDIR /app
CMD ["ruby", "/app/main.rb"]
EOF
# Let every file leave the stat cache's 2 s racy window.
sleep 2.5

echo "wimg:    $WIMG_BIN"
echo "host:    $(nproc) CPUs, $(uname -sr), filesystem $(df -T "$BENCH_TMP" | awk 'NR==2 {print $2}')"
echo "context: ruby.wasm $(stat -c %s "$CTX/ruby.wasm") bytes; stdlib $(find "$CTX/stdlib" -type f | wc -l) files, $(du -sb "$CTX/stdlib" | cut -f1) bytes; app $(find "$CTX/app" -type f | wc -l) files"
echo "runs:    median of $RUNS timed runs each (one untimed warm-up; sync before every run)"
echo

PYTHONPATH="$(dirname "$0")" python3 - "$BENCH_TMP/wimg" "$BENCH_TMP" "$CTX" "$RUNS" <<'PY'
import os, statistics, sys, time

wimg, tmp, ctx, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = os.path.join(tmp, "store")
out = os.path.join(tmp, "out.wasm")

from benchlib import run  # bench/benchlib.py

def bench(prepare, cmd, check=None):
    times = []
    for i in range(runs + 1):
        prepare(i)
        os.sync()
        t0 = time.perf_counter()
        o = run(cmd)
        t1 = time.perf_counter()
        if check:
            check(o)
        if i > 0:
            times.append((t1 - t0) * 1000.0)
    return times

build = [wimg, "--store", store, "build", "-o", out, ctx]
t0 = time.perf_counter()
first = run(build)  # prepares the base (binaryen, seconds) and stores everything
cold = (time.perf_counter() - t0) * 1000.0
size = os.path.getsize(out)

def all_cached(o):
    if o.count("CACHED") != 3:
        sys.exit("bench: a no-change rebuild was not fully cached:\n" + o)

app_file = os.path.join(ctx, "app", "main.rb")
original = open(app_file, "rb").read()
def change(i):
    with open(app_file, "wb") as f:
        f.write(original + f"\n# change {i}\n".encode())
    # Outside the racy window, as an edit a few seconds before a build is.
    past = time.time() - 10
    os.utime(app_file, (past, past))

def app_rebuilt(o):
    line = [l for l in o.splitlines() if "COPY app /app" in l][0]
    if "CACHED" in line or o.count("CACHED") != 2:
        sys.exit("bench: the app step was not rebuilt alone:\n" + o)

results = {}
copy = os.path.join(tmp, "copy.wasm")
results["cp out.wasm (new file)"] = bench(lambda i: os.path.exists(copy) and os.unlink(copy), ["cp", out, copy])
# What a rebuild does to its output: replace an existing 30 MB file (the
# old file's blocks and pages are freed, which costs as much as the copy).
results["cp out.wasm (over old)"] = bench(lambda i: None, ["cp", out, copy])
results["build, no change"] = bench(lambda i: None, build, all_cached)
results["build, 1 app file changed"] = bench(change, build, app_rebuilt)

med = {k: statistics.median(v) for k, v in results.items()}
cp = med["cp out.wasm (new file)"]
cp_over = med["cp out.wasm (over old)"]
print(f"first build (base prepared): {cold:.0f} ms; output {size} bytes")
print(f"{'workload':<28}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'/ cp':>8}")  # cp = new file
for k, v in results.items():
    print(f"{k:<28}{med[k]:>11.1f}{min(v):>9.1f}{max(v):>9.1f}{med[k] / cp:>8.2f}")
print()
for k in ("build, no change", "build, 1 app file changed"):
    ok = med[k] <= 50 and med[k] / cp <= 2.0
    print(f"{k:<28} {med[k]:6.1f} ms, {med[k] / cp:5.2f}x cp, {med[k] / cp_over:5.2f}x cp over old"
          f"  (target <= 50 ms and <= 2x cp)  {'PASS' if ok else 'FAIL'}")
PY
