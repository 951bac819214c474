#!/usr/bin/env bash
# test_examples.sh: the Ruby examples (examples/ruby) end to end, as a user
# runs them (ctest runtime.ruby_examples).
#
#  1. examples/ruby/base/build.sh (`wimg import` of the installed npm
#     package) makes ruby:3.4 in a fresh store; a second run takes the
#     library from the store's cache and gives the same digest, and a second
#     fresh store gets the same digest too.
#  2. hello, multi and gem are built with `wimg build -t NAME:1 -o NAME.wasm`:
#     ENTRYPOINT makes them WASI command modules (_start, no _initialize).
#     Each prints its expected.txt (exit 0, empty stderr) under `wimg run
#     NAME.wasm`, under a plain node:wasi runner (plain_wasi.mjs: no
#     preopens, no env, no wimg code), under uwasi (tests/hosts/uwasi-run.mjs:
#     a third JS WASI host, without file system or sockets) and as `wimg run
#     NAME:1`; multi also with arguments (expected-args.txt).
#  3. The same apps built WITHOUT ENTRYPOINT stay reactors (_initialize, no
#     _start) and print the same through @ruby/wasm-wasi's RubyVM (run.mjs).
#  4. A status app (WORKDIR + a relative CMD, replaced by run arguments):
#     `exit 3` gives 3; an uncaught exception gives 1 with Ruby's message on
#     stderr; a missing script gives Ruby's LoadError line and 1; `-e` works;
#     `require "js"` fails with the stub's message and a non-zero exit.
#  5. The same app built twice (same store, and a fresh store with
#     --no-cache) is byte-identical.
#
# Env: WIMG (required), WIMG_NODE (node >= 24), WIMG_RUBY_CACHE
# (stdlib cache, default build/ruby-stdlib of the repo), E2E_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
EX=$SRC/examples/ruby

# shellcheck source=../e2e/lib.sh
source "$SRC/tests/e2e/lib.sh"
e2e_node_init test_ruby_examples
export WIMG_RUBY_CACHE=${WIMG_RUBY_CACHE:-$SRC/build/ruby-stdlib}
unset SOURCE_DATE_EPOCH
STORE=$WORK/store
W() { "$WIMG" --store "$STORE" "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# check NAME WANT_RC WANT_OUT ERR cmd...: runs cmd in $WORK (so nothing of
# the source tree is at hand). The exit code must be WANT_RC ("nonzero":
# anything but 0); stdout must equal the file WANT_OUT ("-": not checked);
# stderr must be empty when ERR is "", else contain ERR.
check() {
  local name=$1 want_rc=$2 want_out=$3 err=$4
  shift 4
  local rc=0 t0
  t0=$(date +%s%N)
  (cd "$WORK" && "$@") >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  note "$name: exit $rc in $(ms_since "$t0") ms"
  local why=
  if [[ $want_rc == nonzero ]]; then
    [[ $rc -ne 0 ]] || why="exit 0, expected a failure"
  elif [[ $rc -ne $want_rc ]]; then
    why="exit $rc, expected $want_rc"
  fi
  if [[ -z $why && $want_out != - ]] && ! diff -u "$want_out" "$WORK/$name.out" >"$WORK/$name.diff"; then
    why="stdout differs from $want_out"
  fi
  if [[ -z $why ]]; then
    if [[ -z $err && -s "$WORK/$name.err" ]]; then why="stderr is not empty"; fi
    if [[ -n $err ]] && ! grep -qF -- "$err" "$WORK/$name.err"; then why="stderr lacks [$err]"; fi
  fi
  if [[ -n $why ]]; then
    {
      echo "--- $name: $*"
      echo "--- stdout:"; head -c 3000 "$WORK/$name.out"
      echo "--- stderr:"; head -c 3000 "$WORK/$name.err"
      [[ -s "$WORK/$name.diff" ]] && { echo "--- diff:"; head -n 40 "$WORK/$name.diff"; }
    } >&2
    fail "$name: $why"
  fi
}

# exports_of FILE.wasm: which of _start and _initialize the module exports.
exports_of() {
  "$NODE" -e '
    const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
    const names = WebAssembly.Module.exports(m).map((e) => e.name);
    console.log(["_start", "_initialize"].filter((n) => names.includes(n)).join(",") || "none");
  ' "$1"
}

# abi_of FILE.wasm: "command" or "reactor", as `wimg inspect --json` says.
abi_of() {
  W inspect --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["abi"])'
}

# build NAME CONTEXT [build options]: wimg build -t NAME:1 -o WORK/NAME.wasm.
build() {
  local name=$1 ctx=$2
  shift 2
  local t0
  t0=$(date +%s%N)
  W build -t "$name:1" -o "$WORK/$name.wasm" "$@" "$ctx" >"$WORK/build-$name.log" 2>&1 ||
    { cat "$WORK/build-$name.log" >&2; fail "wimg build of $name failed"; }
  note "build $name: $(ms_since "$t0") ms, $(stat -c %s "$WORK/$name.wasm") bytes"
}

# 1. The base, reproducibly.
base() {
  local store=$1 log=$2 out
  out=$(bash "$EX/base/build.sh" --store "$store" --wimg "$WIMG" 2>"$log") ||
    { cat "$log" >&2; fail "base/build.sh --store $store failed"; }
  out=$(tail -n 1 <<<"$out")
  assert_match 'sha256:[0-9a-f]{64}' "$out" "the last line of base/build.sh"
  echo "$out"
}
t0=$(date +%s%N)
base_digest=$(base "$STORE" "$WORK/base1.log")
note "ruby:3.4 $base_digest in $(ms_since "$t0") ms"
again=$(base "$STORE" "$WORK/base2.log")
assert_eq "$base_digest" "$again" "ruby:3.4 digest of a re-run"
grep -q '^/usr/local/lib/ruby of .* (cached): files=1776 ' "$WORK/base2.log" ||
  fail "re-run: the library was not taken from the store's cache: $(cat "$WORK/base2.log")"
other=$(base "$WORK/store2" "$WORK/base3.log")
assert_eq "$base_digest" "$other" "ruby:3.4 digest in a second, fresh store"
W images | grep -q '^ruby  *3\.4 ' || fail "no ruby:3.4 in: $(W images)"

# 2. The apps as WASI commands.
for app in hello multi gem; do
  build "$app" "$EX/$app"
  assert_eq "_start" "$(exports_of "$WORK/$app.wasm")" "exports of $app.wasm"
  assert_eq "command" "$(abi_of "$WORK/$app.wasm")" "inspect --json abi of $app.wasm"
  check "$app-run" 0 "$EX/$app/expected.txt" "" "$WIMG" --store "$STORE" run "$WORK/$app.wasm"
  check "$app-plain" 0 "$EX/$app/expected.txt" "" "$NODE" "$HERE/plain_wasi.mjs" "$WORK/$app.wasm"
  # A third host without a file system or sockets: the image serves its
  # files and the module imports nothing the guest did not (FORMATS.md).
  check "$app-uwasi" 0 "$EX/$app/expected.txt" "" "$NODE" "$SRC/tests/hosts/uwasi-run.mjs" "$WORK/$app.wasm"
  check "$app-image" 0 "$EX/$app/expected.txt" "" "$WIMG" --store "$STORE" run "$app:1"
done
multi_args=(--title "Reorder list" --sort value --low 10 --json)
check multi-run-args 0 "$EX/multi/expected-args.txt" "" "$WIMG" --store "$STORE" run "$WORK/multi.wasm" "${multi_args[@]}"
check multi-plain-args 0 "$EX/multi/expected-args.txt" "" "$NODE" "$HERE/plain_wasi.mjs" "$WORK/multi.wasm" "${multi_args[@]}"
check multi-uwasi-args 0 "$EX/multi/expected-args.txt" "" "$NODE" "$SRC/tests/hosts/uwasi-run.mjs" "$WORK/multi.wasm" "${multi_args[@]}"
check multi-image-args 0 "$EX/multi/expected-args.txt" "" "$WIMG" --store "$STORE" run multi:1 "${multi_args[@]}"
check multi-bad-option 2 /dev/null "invalid argument: --sort price" "$WIMG" --store "$STORE" run "$WORK/multi.wasm" --sort price

# 3. Without ENTRYPOINT: reactors, for @ruby/wasm-wasi.
# (Ruby code: the $ are Ruby's.)
# shellcheck disable=SC2016
declare -A boot=(
  [hello]='$0 = "/app/hello.rb"; load $0'
  [multi]='$0 = "/app/main.rb"; load $0'
  [gem]='$LOAD_PATH.unshift "/app/vendor/gems/plaintable/lib"; $0 = "/app/main.rb"; load $0'
)
for app in hello multi gem; do
  mkdir -p "$WORK/reactor"
  cp -R "$EX/$app" "$WORK/reactor/$app"
  sed -i '/^ENTRYPOINT /d' "$WORK/reactor/$app/Wasmfile"
  ! grep -q "^ENTRYPOINT" "$WORK/reactor/$app/Wasmfile" || fail "reactor/$app/Wasmfile still has an ENTRYPOINT"
  build "$app-reactor" "$WORK/reactor/$app"
  assert_eq "_initialize" "$(exports_of "$WORK/$app-reactor.wasm")" "exports of $app-reactor.wasm"
  assert_eq "reactor" "$(abi_of "$WORK/$app-reactor.wasm")" "inspect --json abi of $app-reactor.wasm"
  check "$app-reactor" 0 "$EX/$app/expected.txt" "" "$NODE" "$HERE/run.mjs" "$WORK/$app-reactor.wasm" -e "${boot[$app]}"
done
# shellcheck disable=SC2016
check multi-reactor-args 0 "$EX/multi/expected-args.txt" "" "$NODE" "$HERE/run.mjs" "$WORK/multi-reactor.wasm" \
  -e 'ARGV.replace(["--title", "Reorder list", "--sort", "value", "--low", "10", "--json"]); $0 = "/app/main.rb"; load $0'
# A reactor is no command: a plain WASI host cannot start it.
check hello-reactor-plain 2 - "exports no _start" "$NODE" "$HERE/plain_wasi.mjs" "$WORK/hello-reactor.wasm"

# 4. Exit codes, exceptions, -e, a missing script, WORKDIR, and the
# JavaScript stubs. CMD is the default script; run arguments replace it.
ST=$WORK/status
mkdir -p "$ST/app"
cat >"$ST/app/exit3.rb" <<'RUBY'
puts "leaving with 3"
exit 3
RUBY
cat >"$ST/app/raise.rb" <<'RUBY'
puts "before the exception"
def explode(what) = raise("boom: #{what}")
explode(ARGV.first || "nothing")
RUBY
cat >"$ST/app/js.rb" <<'RUBY'
require "js"
puts JS.global[:Math][:PI]
RUBY
# WORKDIR reaches Ruby as its working directory: CMD names the script
# relative to it.
cat >"$ST/Wasmfile" <<'WASMFILE'
FROM ruby:3.4
COPY app/ /app/
WORKDIR /app
CMD ["exit3.rb"]
WASMFILE
build status "$ST"
printf 'leaving with 3\n' >"$WORK/exit3.expected"
printf 'before the exception\n' >"$WORK/raise.expected"
printf '42\n' >"$WORK/e.expected"
js_msg='wimg: this Ruby command module has no JavaScript host: '
js_tail='was called (build without ENTRYPOINT/CMD to keep the reactor ABI for @ruby/wasm-wasi)'
for host in run plain; do
  if [[ $host == run ]]; then h=("$WIMG" --store "$STORE" run); else h=("$NODE" "$HERE/plain_wasi.mjs"); fi
  check "exit3-$host" 3 "$WORK/exit3.expected" "" "${h[@]}" "$WORK/status.wasm"
  check "raise-$host" 1 "$WORK/raise.expected" "boom: wasm (RuntimeError)" "${h[@]}" "$WORK/status.wasm" /app/raise.rb wasm
  grep -qF "/app/raise.rb:2:in " "$WORK/raise-$host.err" || fail "raise-$host: no backtrace line: $(cat "$WORK/raise-$host.err")"
  check "e-$host" 0 "$WORK/e.expected" "" "${h[@]}" "$WORK/status.wasm" -e 'puts 6 * 7'
  check "missing-$host" 1 - "ruby: No such file or directory -- nope.rb (LoadError)" "${h[@]}" "$WORK/status.wasm" nope.rb
  check "js-$host" nonzero - "$js_msg" "${h[@]}" "$WORK/status.wasm" /app/js.rb
  grep -qF "$js_tail" "$WORK/js-$host.err" || fail "js-$host: stderr lacks [$js_tail]: $(cat "$WORK/js-$host.err")"
done
# The base image itself runs like `docker run ruby:3.4 ruby ...`: wimg run
# renders a CRuby reactor as a command; the arguments are Ruby's.
check base-run-e 0 "$WORK/e.expected" "" "$WIMG" --store "$STORE" run ruby:3.4 -e 'puts 6 * 7'
# Under wimg run's node a trap is 134.
check js-run-134 134 - "$js_msg" "$WIMG" --store "$STORE" run "$WORK/status.wasm" /app/js.rb

# 5. Reproducible: the same app twice in this store (cache hits), and in a
# fresh store with --no-cache, gives the same bytes.
for app in hello multi; do
  W build -t "$app:1" -o "$WORK/$app.again.wasm" "$EX/$app" >"$WORK/again-$app.log" 2>&1 ||
    { cat "$WORK/again-$app.log" >&2; fail "rebuild of $app failed"; }
  cmp -s "$WORK/$app.wasm" "$WORK/$app.again.wasm" || fail "$app: a rebuild in the same store is not byte-identical"
  "$WIMG" --store "$WORK/store2" build --no-cache -t "$app:1" -o "$WORK/$app.fresh.wasm" "$EX/$app" \
    >"$WORK/fresh-$app.log" 2>&1 || { cat "$WORK/fresh-$app.log" >&2; fail "fresh-store build of $app failed"; }
  cmp -s "$WORK/$app.wasm" "$WORK/$app.fresh.wasm" || fail "$app: a build in a fresh store is not byte-identical"
done
note "rebuilds are byte-identical"

verify_clean "$STORE"
note "OK"
