#!/usr/bin/env bash
# test_ruby.sh: real CRuby 3.4 (npm's ruby.wasm, a reactor without stdlib)
# packed by wimg with two layers, the standard library at
# /usr/local/lib/ruby and the test app at /app, then run with NO host
# preopens: the app's transcript must equal expected.txt, with an empty
# stderr and exit code 0. Then the same from a Wasmfile, and with the app
# as a read-only host directory beside a stdlib-only image.
#
# Before packing, the same app runs on the unmodified ruby.wasm with host
# preopens (the harness's own baseline, which must also equal expected.txt),
# so that a failure says which side broke.
#
# Env: WIMG (the wimg binary, required), 
# WIMG_NODE (node >= 24), WIMG_RUBY_CACHE (where stdlib.sh keeps the dumped
# standard library; default: a temp dir removed afterwards), E2E_KEEP=1
# keeps the work dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
DIST=$RUBY_DIST

# fail, the WIMG check, the work dir with its cleanup trap and the private
# copy of the binary: the e2e helpers.
# shellcheck source=../e2e/lib.sh
source "$SRC/tests/e2e/lib.sh"
e2e_init test_ruby
WORK=$E2E_TMP
[[ -x "$NODE" ]] || fail "no node at $NODE (run scripts/setup)"
[[ -f "$DIST/ruby.wasm" ]] || fail "no $DIST/ruby.wasm (run scripts/setup)"
CACHE=${WIMG_RUBY_CACHE:-$WORK/cache}

t0=$(date +%s%N)
bash "$SRC/examples/ruby/base/stdlib.sh" "$CACHE"
STDLIB_TREE=$CACHE/stdlib            # holds usr/local/lib/ruby/...
APP_TREE=$WORK/applayer              # holds app/...
mkdir -p "$APP_TREE"
cp -R "$HERE/app" "$APP_TREE/app"
t1=$(date +%s%N)
echo "test_ruby: stdlib ready in $(((t1 - t0) / 1000000)) ms"

# run NAME WASM [run.mjs options]: runs the app (boot.rb loads /app/main.rb)
# from $WORK, so nothing of the source tree is visible unless preopened.
run() {
  local name=$1 wasm=$2
  shift 2
  local rc=0 s e
  s=$(date +%s%N)
  (cd "$WORK" && "$NODE" "$HERE/run.mjs" "$@" "$wasm" "$HERE/boot.rb") \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  e=$(date +%s%N)
  echo "test_ruby: $name: exit $rc in $(((e - s) / 1000000)) ms"
  local same=1
  diff -u "$HERE/expected.txt" "$WORK/$name.out" >"$WORK/$name.diff" || same=0
  if [[ $rc -ne 0 || $same -eq 0 || -s "$WORK/$name.err" ]]; then
    echo "--- $name: exit $rc; stderr:" >&2
    head -c 4000 "$WORK/$name.err" >&2
    echo "--- $name: diff against expected.txt:" >&2
    head -n 60 "$WORK/$name.diff" >&2
    fail "$name: the transcript, exit code or stderr differs"
  fi
}

# 1. Baseline: the unmodified module with host preopens. ruby.wasm's own
# wasi-vfs mount /usr shadows any host preopen of /usr or /; the deeper
# /usr/local/lib/ruby wins (wasi-libc takes the longest matching prefix).
run baseline "$DIST/ruby.wasm" \
  --dir "$STDLIB_TREE/usr/local/lib/ruby::/usr/local/lib/ruby" --dir "$APP_TREE/app::/app"

# 2. Pack: base ruby.wasm + stdlib layer + app layer, both mounted.
s=$(date +%s%N)
rc=0
"$WIMG" --store "$WORK/store" pack "$DIST/ruby.wasm" -o "$WORK/app.wasm" \
  --layer "$STDLIB_TREE" --layer "$APP_TREE" \
  --mount /usr/local/lib/ruby --mount /app >"$WORK/pack.log" 2>&1 || rc=$?
e=$(date +%s%N)
if [[ $rc -ne 0 ]]; then
  cat "$WORK/pack.log" >&2
  fail "wimg pack exited $rc"
fi
[[ -s "$WORK/app.wasm" ]] || fail "wimg pack wrote no $WORK/app.wasm"
echo "test_ruby: pack: $(((e - s) / 1000000)) ms, $(stat -c %s "$WORK/app.wasm") bytes (ruby.wasm $(stat -c %s "$DIST/ruby.wasm"))"

# 3. The packed module alone: no host preopens at all.
run packed "$WORK/app.wasm"

# 4. The same app from a Wasmfile, as a user would: a ruby base stage with
# the stdlib COPYed to /usr/local/lib/ruby, the app stage FROM it. No MOUNT:
# every COPY destination that is a directory becomes a preopen by itself.
CTX=$WORK/ctx
mkdir -p "$CTX"
cp "$DIST/ruby.wasm" "$CTX/ruby.wasm"
cp -r "$STDLIB_TREE/usr/local/lib/ruby" "$CTX/stdlib"
cp -r "$APP_TREE/app" "$CTX/app"
cat >"$CTX/Wasmfile" <<'WASMFILE'
FROM ruby.wasm AS ruby
COPY stdlib/ /usr/local/lib/ruby/

FROM ruby
COPY app /app
WASMFILE
"$WIMG" --store "$WORK/store" build -t app:1 -o "$WORK/built.wasm" "$CTX" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "wimg build failed"; }
run built "$WORK/built.wasm"

# 5. The app from a read-only host directory instead of a layer: CRuby's
# requires, reads and directory walks under /app go through the runtime's
# own resolution of host paths (runtime/guest/README.md, "Host
# directories"), with the mount read-only as `wimg run --dir ...:ro` makes
# it. Same transcript.
rc=0
"$WIMG" --store "$WORK/store" pack "$DIST/ruby.wasm" -o "$WORK/stdlib_only.wasm" \
  --layer "$STDLIB_TREE" --mount /usr/local/lib/ruby >"$WORK/pack2.log" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$WORK/pack2.log" >&2; fail "wimg pack (stdlib only) exited $rc"; }
run host_app "$WORK/stdlib_only.wasm" --dir "$APP_TREE/app::/app" --env WIMG_READONLY=/app

echo "test_ruby: OK"
