#!/usr/bin/env bash
# Benchmark: CRuby 3.4 running a require-heavy script, three ways (issue 5).
# A report, not a test: exits 0 whether or not the goals are met (non-zero
# only if a command or an output check fails). Every ratio compares columns
# measured in this same run.
#
#   bench/ruby.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# Columns (the same CRuby 3.4 of npm @ruby/3.4-wasm-wasi and the same stdlib,
# dumped by examples/ruby/base/stdlib.sh from that package's ruby+stdlib.wasm):
#   (a) a wimg image: `wimg build -o` of `FROM ruby.wasm` + `COPY stdlib/
#       /usr/local/lib/ruby/`, no ENTRYPOINT (a reactor)
#   (b) npm's ruby+stdlib.wasm (the stdlib packed in by wasi-vfs), as shipped
#   (c) npm's ruby.wasm with the stdlib as node's WASI host preopen
#       /usr/local/lib/ruby
#   (d) (a) made a command whose ENTRYPOINT runs the workload, with PREINIT:
#       it starts from a snapshot Wizer took after ruby-init
#   (e) the same with PREINIT ["-r","json","-r","set",...] of the workload's
#       eight libraries
# (d) and (e) need Wizer ($WIMG_WIZER, default tools/wizer: scripts/setup).
# Each sample is a fresh node 24 process (bench/ruby/measure.mjs), the
# columns alternating round-robin: compile (reported apart), then the timed
# WebAssembly.instantiate + RubyVM init + eval of bench/ruby/workload.rb;
# the linear memory after it; the .wasm size. Every sample's stdout must equal
# bench/ruby/expected.txt (and stderr be empty), so a broken column cannot
# give a fast number.
# Goals: time (a) <= 0.8 x (b) and <= 1.0 x (c); memory (a) <= (c) + 2 MiB;
# size (a) <= (b); time (d) <= 0.2 x (b) (issue 12). When (a) is larger than (b), the size is broken down.
#
# Env: BENCH_RUNS (samples per column, default 11, minimum 10),
#      BENCH_OUT (output dir, default build/bench-ruby: a.wasm, samples.csv,
#      samples.json, ruby.svg, breakdown.txt, breakdown.json),
#      BENCH_NODE_FLAGS (extra node/V8 flags for every sample, e.g. --liftoff-only),
#      BENCH_TMPDIR, BENCH_KEEP=1, WIMG_RUBY_CACHE (the dumped stdlib,
#      default build/ruby-stdlib).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../scripts/lib/paths.sh"
ROOT=$WIMG_REPO
WIMG_BIN=${1:-$ROOT/build/wimg}
RUNS=${BENCH_RUNS:-11}
((RUNS >= 10)) || RUNS=10
OUT=${BENCH_OUT:-$ROOT/build/bench-ruby}
DIST=$RUBY_DIST
die() { echo "bench: $*" >&2; exit 2; }
[[ -x "$WIMG_BIN" ]] || die "$WIMG_BIN is not an executable"
[[ -x "$NODE" ]] || die "no node 24 (run scripts/setup)"
[[ -f "$DIST/ruby.wasm" && -f "$DIST/ruby+stdlib.wasm" ]] || die "no npm ruby.wasm (run scripts/setup)"
[[ -f "$RUBY_MODULES/@ruby/wasm-wasi/dist/esm/index.js" ]] || die "no @ruby/wasm-wasi (run scripts/setup)"
command -v python3 >/dev/null || die "python3 is required"
command -v wasm-objdump >/dev/null || die "wasm-objdump is required (Debian wabt)"

T=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/wimg-bench-ruby.XXXXXX")
cleanup() {
  if [[ -n "${BENCH_KEEP:-}" ]]; then
    echo "bench: keeping $T" >&2
  else
    chmod -R u+w "$T" 2>/dev/null || true
    rm -rf "$T"
  fi
}
trap cleanup EXIT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cp "$WIMG_BIN" "$T/wimg"
W=$T/wimg

# The stdlib, and column (a) built from it.
CACHE=${WIMG_RUBY_CACHE:-$ROOT/build/ruby-stdlib}
WIMG="$WIMG_BIN" bash "$ROOT/examples/ruby/base/stdlib.sh" "$CACHE" >/dev/null
STDLIB=$(cd "$CACHE/stdlib/usr/local/lib/ruby" && pwd)
CTX=$T/ctx
mkdir -p "$CTX"
cp "$DIST/ruby.wasm" "$CTX/ruby.wasm"
cp -r "$STDLIB" "$CTX/stdlib"
cat >"$CTX/Wasmfile" <<'EOF'
FROM ruby.wasm
COPY stdlib/ /usr/local/lib/ruby/
EOF
A=$OUT/a.wasm
"$W" --store "$T/store" build -o "$A" "$CTX" >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; die "wimg build failed"; }
"$W" inspect --json "$A" >"$OUT/inspect-a.json"
# (d), (e): the same image as a command that runs the workload, pre-initialised.
[[ -x "$WIMG_WIZER" ]] || die "no Wizer at $WIMG_WIZER (run scripts/setup, or set WIMG_WIZER)"
cp "$HERE/ruby/workload.rb" "$CTX/workload.rb"
preinit() {  # preinit OUT.wasm PREINIT-LINE
  printf 'FROM ruby.wasm\nCOPY stdlib/ /usr/local/lib/ruby/\nCOPY workload.rb /app/\nENTRYPOINT ["/app/workload.rb"]\n%s\n' \
    "$2" >"$CTX/Wasmfile"
  "$W" --store "$T/store" build -o "$1" "$CTX" >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; die "wimg build ($2) failed"; }
}
D=$OUT/d.wasm
E=$OUT/e.wasm
preinit "$D" PREINIT
preinit "$E" 'PREINIT ["-r","json","-r","set","-r","erb","-r","time","-r","optparse","-r","fileutils","-r","securerandom","-r","logger"]'

NODE_FLAGS=()
if [[ -n "${BENCH_NODE_FLAGS:-}" ]]; then
  read -r -a NODE_FLAGS <<<"$BENCH_NODE_FLAGS"
fi
echo "wimg:    $WIMG_BIN"
echo "host:    $(nproc) CPUs, $(uname -sr), node $("$NODE" --version)${NODE_FLAGS:+ ${NODE_FLAGS[*]}}"
echo "stdlib:  $(find "$STDLIB" -type f | wc -l) files, $(find "$STDLIB" -type f -printf '%s\n' | awk '{s += $1} END {print s}') bytes ($STDLIB)"
echo "columns: (a) $A"
echo "         (b) $DIST/ruby+stdlib.wasm"
echo "         (c) $DIST/ruby.wasm + --dir $STDLIB::/usr/local/lib/ruby"
echo "         (d) $D (PREINIT), (e) $E (PREINIT of 8 libraries)"
echo "samples: $RUNS per column, round-robin, one fresh node process each (+ 1 untimed warm-up per column)"
echo

flag_args=()
for f in "${NODE_FLAGS[@]}"; do flag_args+=("--node-flag=$f"); done
python3 "$HERE/ruby/run.py" --node "$NODE" "${flag_args[@]}" --measure "$HERE/ruby/measure.mjs" \
  --script "$HERE/ruby/workload.rb" --expected "$HERE/ruby/expected.txt" --out "$OUT" --samples "$RUNS" \
  --stdlib "$STDLIB" --a "$A" --b "$DIST/ruby+stdlib.wasm" --c "$DIST/ruby.wasm" --d "$D" --e "$E"
python3 "$HERE/ruby/plot.py" "$OUT/samples.json" "$OUT/ruby.svg"

# Where (a)'s bytes go, next to (b): the prepared base is in the build's store.
prepared=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest"]["prepared"]["digest"].split(":")[1])' "$OUT/inspect-a.json")
python3 "$HERE/ruby/breakdown.py" --a "$A" --prepared "$T/store/objects/sha256/${prepared:0:2}/${prepared:2}" \
  --base "$DIST/ruby.wasm" --b "$DIST/ruby+stdlib.wasm" --inspect "$OUT/inspect-a.json" --stdlib "$STDLIB" \
  --out "$OUT/breakdown.json" >"$OUT/breakdown.txt"
echo
if (($(stat -c %s "$A") > $(stat -c %s "$DIST/ruby+stdlib.wasm"))); then
  echo "== size breakdown ((a) is larger than (b))"
  cat "$OUT/breakdown.txt"
else
  echo "size breakdown: $OUT/breakdown.txt"
fi
echo
echo "raw samples: $OUT/samples.csv, $OUT/samples.json; plot: $OUT/ruby.svg"
