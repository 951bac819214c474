#!/usr/bin/env bash
# test_build_run.sh: Wasmfile RUN steps with real CRuby under node 24
# (ctest runtime.ruby_build_run; docs/WASMFILE.md "RUN").
#
#  1. examples/ruby/gem-install: `RUN gem install --local` of two vendored
#     pure-Ruby .gem files, then an app that requires them: the .wasm
#     prints expected.txt; the RUN's layer holds the gems under GEM_HOME.
#  2. Rebuilt with nothing changed: every step CACHED, the same image
#     digest; rebuilt with --no-cache: the RUN runs again and gives the
#     same layer digest (fixed clock and random seed), and the same image.
#  3. A RUN that deletes an image file (one of the base's, one COPYed)
#     makes OCI whiteouts; a file it writes is added; the clock it sees is
#     SOURCE_DATE_EPOCH and rand, SecureRandom and Hash#hash repeat across
#     --no-cache builds, as does the layer.
#     `RUN bundle install --local` installs from vendor/cache and writes
#     Gemfile.lock.
#  4. A failing RUN fails the build naming Wasmfile:LINE with its output,
#     names nothing; a RUN past --run-timeout is stopped with a clear error;
#     a program a CRuby image lacks is refused.
#
# Env: WIMG (required), E2E_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
EX=$WIMG_REPO/examples/ruby
# shellcheck source=../e2e/lib.sh
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_build_run
unset SOURCE_DATE_EPOCH
STORE=$WORK/store
W() { "$WIMG" --store "$STORE" "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# build LOG CONTEXT [options]: wimg build, output in LOG; the image digest.
build() {
  local log=$1 ctx=$2
  shift 2
  local t0
  t0=$(date +%s%N)
  W build "$@" "$ctx" >"$log" 2>&1 || { cat "$log" >&2; fail "wimg build $* $ctx failed"; }
  note "build $(basename "$ctx") $*: $(ms_since "$t0") ms" >&2
  sed -n 's/^image \(sha256:[0-9a-f]*\): .*/\1/p' "$log"
}

# layer_of IMAGE TEXT: the digest of the layer whose history line is TEXT.
layer_of() {
  W history --json "$1" | python3 -c '
import json, sys
rows = [r["layer"] for r in json.load(sys.stdin) if r["created_by"] == sys.argv[1]]
print(rows[0] if rows else "")' "$2"
}

# layer_at IMAGE N: the digest of the Nth layer from the top (0 = the last).
layer_at() {
  W history --json "$1" | python3 -c '
import json, sys
rows = [r["layer"] for r in json.load(sys.stdin) if r["layer"].startswith("sha256:") and r["created_by"] != "base wasm"]
print(rows[int(sys.argv[1])])' "$2"
}

t0=$(date +%s%N)
bash "$EX/base/build.sh" --store "$STORE" --wimg "$WIMG" >"$WORK/base.log" 2>&1 ||
  { cat "$WORK/base.log" >&2; fail "base/build.sh failed"; }
note "ruby:3.4 in $(ms_since "$t0") ms"

# 1. The example.
APP=$EX/gem-install
img1=$(build "$WORK/b1.log" "$APP" -t gems:1 -o "$WORK/gems.wasm")
assert_match 'sha256:[0-9a-f]{64}' "$img1" "image digest of the first build"
grep -q 'Successfully installed greeter-1.0.0' "$WORK/b1.log" || fail "gem install output missing: $(cat "$WORK/b1.log")"
W run "$WORK/gems.wasm" >"$WORK/run.out" 2>"$WORK/run.err" || { cat "$WORK/run.err" >&2; fail "gems.wasm failed"; }
diff -u "$APP/expected.txt" "$WORK/run.out" || fail "gems.wasm printed something else"
[[ ! -s "$WORK/run.err" ]] || fail "gems.wasm wrote to stderr: $(cat "$WORK/run.err")"
run_text='RUN ["gem","install","--local","--no-document","vendor/cache/greeter-1.0.0.gem","vendor/cache/wordcount-0.2.0.gem"]'
gem_layer=$(layer_of gems:1 "$run_text")
assert_match 'sha256:[0-9a-f]{64}' "$gem_layer" "the RUN's layer in history"
W layer ls "$gem_layer" >"$WORK/gem_layer.txt"
for p in usr/local/lib/ruby/gems/3.4.0/gems/greeter-1.0.0/lib/greeter.rb \
  usr/local/lib/ruby/gems/3.4.0/specifications/wordcount-0.2.0.gemspec; do
  grep -q "^f .* $p\$" "$WORK/gem_layer.txt" || fail "the RUN layer lacks $p: $(cat "$WORK/gem_layer.txt")"
done
if grep -q ' app/vendor' "$WORK/gem_layer.txt"; then fail "the RUN layer holds unchanged files of the image"; fi

# 2. Cached rebuild; a --no-cache rebuild gives the same layer and image.
img2=$(build "$WORK/b2.log" "$APP" -t gems:1 -o "$WORK/gems.wasm")
assert_eq "$img1" "$img2" "image digest of a rebuild"
# Every step that makes a layer (FROM, COPY, RUN) is CACHED; config steps
# (WORKDIR, ENTRYPOINT) have nothing to run and are never marked.
steps=$(grep -cE '^\[[0-9]+/[0-9]+\] (FROM|COPY|RUN) ' "$WORK/b2.log")
cached=$(grep -cE '^\[[0-9]+/[0-9]+\] (FROM|COPY|RUN) .*  CACHED$' "$WORK/b2.log")
assert_eq 4 "$steps" "layer steps of the example"
assert_eq "$steps" "$cached" "CACHED layer steps of a rebuild"
grep -q "^image $img1: .*, 4/6 steps cached" "$WORK/b2.log" || fail "the rebuild's summary: $(cat "$WORK/b2.log")"
grep -q '^unchanged ' "$WORK/b2.log" || fail "the rebuild rewrote the output: $(cat "$WORK/b2.log")"
img3=$(build "$WORK/b3.log" "$APP" --no-cache -t gems:2)
grep -q 'Successfully installed greeter-1.0.0' "$WORK/b3.log" || fail "--no-cache did not run the RUN again"
assert_eq "$gem_layer" "$(layer_of gems:2 "$run_text")" "the RUN's layer digest, run twice"
assert_eq "$img1" "$img3" "image digest of a --no-cache rebuild"

# 3. Whiteouts, additions, the clock and the random seed.
CTX=$WORK/ctx
mkdir -p "$CTX/data"
echo one >"$CTX/data/a.txt"
echo two >"$CTX/data/keep.txt"
cat >"$CTX/Wasmfile" <<'EOF'
FROM ruby:3.4
COPY data/ /data/
RUN ["ruby", "-rsecurerandom", "-e", "File.delete('/data/a.txt', '/usr/local/lib/ruby/3.4.0/ostruct.rb'); File.write('/data/new.txt', 'new'); File.write('/data/seen.txt', [Time.now.to_i, rand(1 << 30), SecureRandom.hex(8), {a: 1}.hash].join(' '))"]
EOF
export SOURCE_DATE_EPOCH=1700000000
wimg1=$(build "$WORK/w1.log" "$CTX" -t wh:1)
del_layer=$(layer_at wh:1 0)
assert_match 'sha256:[0-9a-f]{64}' "$del_layer" "the deleting RUN's layer"
W layer ls "$del_layer" >"$WORK/del_layer.txt"
grep -q '^w .* data/a.txt$' "$WORK/del_layer.txt" || fail "no whiteout of data/a.txt: $(cat "$WORK/del_layer.txt")"
grep -q '^w .* usr/local/lib/ruby/3.4.0/ostruct.rb$' "$WORK/del_layer.txt" || fail "no whiteout of ostruct.rb: $(cat "$WORK/del_layer.txt")"
grep -q '^f .* data/new.txt$' "$WORK/del_layer.txt" || fail "data/new.txt not added: $(cat "$WORK/del_layer.txt")"
assert_eq 4 "$(grep -c '^[wfl] ' "$WORK/del_layer.txt")" "changed entries of the RUN (a.txt, ostruct.rb, new.txt, seen.txt)"
assert_eq "keep.txt new.txt seen.txt" "$(W ls wh:1 /data | tr '\n' ' ' | sed 's/ $//')" "ls /data after the RUNs"
W ls wh:1 /usr/local/lib/ruby/3.4.0/ostruct.rb >/dev/null 2>&1 && fail "ostruct.rb still in the image"
seen1=$(W cat wh:1 /data/seen.txt)
assert_match '1700000000 [0-9]+ [0-9a-f]{16} -?[0-9]+' "$seen1" "what the RUN saw (clock, rand, SecureRandom, Hash#hash)"
build "$WORK/w2.log" "$CTX" --no-cache -t wh:2 >/dev/null
assert_eq "$seen1" "$(W cat wh:2 /data/seen.txt)" "clock, random and hash seed of the same RUN built twice"
assert_eq "$del_layer" "$(layer_at wh:2 0)" "the layer of the same RUN built twice"
unset SOURCE_DATE_EPOCH

# 3b. Bundler: `RUN bundle install --local` from vendor/cache, then the app
# requires the gems through bundler/setup.
B=$WORK/bundle
mkdir -p "$B/vendor/cache"
cp "$APP"/app/vendor/cache/*.gem "$B/vendor/cache/"
printf 'source "https://rubygems.org"\ngem "greeter"\ngem "wordcount"\n' >"$B/Gemfile"
cat >"$B/Wasmfile" <<'EOF'
FROM ruby:3.4
WORKDIR /app
COPY . /app/
RUN bundle install --local
ENTRYPOINT ["-e", "require 'bundler/setup'; require 'greeter'; puts Greeter.hello(Bundler.definition.specs.map(&:name).sort.join(','))"]
EOF
build "$WORK/bu.log" "$B" -t bun:1 -o "$WORK/bun.wasm" >/dev/null
grep -q 'Bundle complete! 2 Gemfile dependencies' "$WORK/bu.log" || fail "bundle install output: $(cat "$WORK/bu.log")"
assert_eq "Hello, bundler,greeter,wordcount!" "$(W run "$WORK/bun.wasm")" "the bundled app"
W layer ls "$(layer_at bun:1 0)" | grep -q ' app/Gemfile.lock$' || fail "no Gemfile.lock in the bundle layer"

# 4. Failures: the exit status, the line, the output; nothing named.
FAILCTX=$WORK/fail
mkdir -p "$FAILCTX"
printf 'FROM ruby:3.4\nENV A=1\nRUN ruby -e '"'"'warn "boom from RUN"; exit 3'"'"'\n' >"$FAILCTX/Wasmfile"
if W build -t bad:1 "$FAILCTX" >"$WORK/f.out" 2>"$WORK/f.err"; then fail "a failing RUN built"; fi
err=$(cat "$WORK/f.err")
assert_contains "Wasmfile:3: RUN" "$err" "failing RUN: names its line"
assert_contains "failed (exit 3)" "$err" "failing RUN: names its status"
assert_contains "boom from RUN" "$err" "failing RUN: quotes its output"
W images | grep -q '^bad ' && fail "a failed build named its image"

printf 'FROM ruby:3.4\nRUN ruby -e "loop { }"\n' >"$FAILCTX/Wasmfile"
t0=$(date +%s%N)
if W build --run-timeout 2s "$FAILCTX" >"$WORK/t.out" 2>"$WORK/t.err"; then fail "an endless RUN built"; fi
took=$(ms_since "$t0")
note "endless RUN stopped after $took ms"
assert_contains "Wasmfile:2: RUN" "$(cat "$WORK/t.err")" "timeout: names its line"
assert_contains "still running after 2 s (--run-timeout)" "$(cat "$WORK/t.err")" "timeout: says why"
((took < 60000)) || fail "the timeout took $took ms"

printf 'FROM ruby:3.4\nRUN sh -c "echo hi"\n' >"$FAILCTX/Wasmfile"
if W build "$FAILCTX" >"$WORK/s.out" 2>"$WORK/s.err"; then fail "RUN sh built"; fi
assert_contains "Wasmfile:2: RUN" "$(cat "$WORK/s.err")" "unknown program: names its line"
assert_contains "runs ruby, gem, bundle or irb, not sh" "$(cat "$WORK/s.err")" "unknown program: says why"
note "ok"
