#!/usr/bin/env bash
# test_versions.sh: every CRuby npm ships as a base, made by `wimg import`
# alone (ctest runtime.ruby_versions; CI reaches npm).
#
# For each of ruby 3.2, 3.3, 3.4 and 4.0 (npm @ruby/V-wasm-wasi@2.10.1):
#  1. `wimg import npm:...` in two fresh stores gives the same digest (the
#     binary runs from a private copy: no source tree is needed; 3.4 and
#     4.0 have their second store in test_examples.sh and
#     test_import_npm.sh);
#  2. the seed scenario (tests/ruby/app, which reads the standard library
#     at RbConfig's rubylibdir) and the multi example, built FROM ruby:V as
#     WASI commands and run with `wimg run`, print exactly what npm's own
#     ruby+stdlib.wasm of the same version prints for the same program
#     (run.mjs: @ruby/wasm-wasi's RubyVM, the app as a host preopen), with
#     exit 0 and an empty stderr on both sides.
# npm's package for the comparison is fetched from the registry npm is
# configured with and checked against its integrity (npm_tarball.mjs; 3.4's
# is the one scripts/setup installed).
#
# Env: WIMG (required), WIMG_NODE (node >= 24), E2E_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_ruby_versions
command -v npm >/dev/null || fail "npm is required (scripts/setup installs it)"
unset SOURCE_DATE_EPOCH
RUBY_WASM_VERSION=2.10.1
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# same NAME WANT_FILE GOT_FILE ERR_FILE...: identical stdout, empty stderrs.
same() {
  local name=$1 want=$2 got=$3 e
  shift 3
  for e in "$@"; do [[ ! -s $e ]] || fail "$name: stderr is not empty: $(head -c 2000 "$e")"; done
  [[ -s $want ]] || fail "$name: npm's module printed nothing (the comparison would prove nothing)"
  diff -u "$want" "$got" >"$WORK/$name.diff" || fail "$name differs from npm's own: $(head -n 30 "$WORK/$name.diff")"
}

for v in 3.2 3.3 3.4 4.0; do
  t0=$(date +%s%N)
  pkg=@ruby/$v-wasm-wasi@$RUBY_WASM_VERSION
  d=$WORK/$v
  mkdir -p "$d/npm"
  # npm's own module of this version.
  if [[ $v == 3.4 ]]; then
    own=$RUBY_DIST/ruby+stdlib.wasm
  else
    info=$(npm view "$pkg" dist.tarball dist.integrity --json) || fail "npm view $pkg failed"
    mapfile -t dist < <("$NODE" -e 'const j = JSON.parse(process.argv[1]); console.log(j["dist.tarball"] + "\n" + j["dist.integrity"])' "$info")
    # --use-system-ca: the machine's CA store, as npm and libcurl use (node's
    # own bundle fails behind a TLS-inspecting proxy).
    "$NODE" --use-system-ca "$HERE/npm_tarball.mjs" "${dist[0]}" "${dist[1]}" "$d/npm/pkg.tgz" ||
      fail "fetching $pkg failed"
    tar -xzf "$d/npm/pkg.tgz" -C "$d/npm" package/dist/ruby+stdlib.wasm
    own=$d/npm/package/dist/ruby+stdlib.wasm
  fi
  [[ -f $own ]] || fail "no ruby+stdlib.wasm for $pkg"

  # 1. The base, in two fresh stores (4.0's second store is
  # test_import_npm.sh's, 3.4's test_examples.sh's: not repeated here).
  digest=
  stores=(a b)
  [[ $v == 3.2 || $v == 3.3 ]] || stores=(a)
  for s in "${stores[@]}"; do
    "$WIMG" --store "$d/store-$s" import "npm:$pkg" -t "ruby:$v" >"$d/import-$s.out" 2>"$d/import-$s.err" ||
      fail "import npm:$pkg into store $s: $(cat "$d/import-$s.err")"
    got=$(tail -n 1 "$d/import-$s.out")
    assert_match 'sha256:[0-9a-f]{64}' "$got" "ruby:$v digest"
    [[ -z $digest ]] || assert_eq "$digest" "$got" "ruby:$v digest in a second fresh store"
    digest=$got
  done

  # 2. The seed scenario and multi, FROM ruby:V, against npm's own.
  mkdir -p "$d/seed" "$d/multi"
  cp -R "$HERE/app" "$d/seed/app"
  printf 'FROM ruby:%s\nCOPY app /app\nENTRYPOINT ["/app/main.rb"]\n' "$v" >"$d/seed/Wasmfile"
  cp -R "$WIMG_REPO/examples/ruby/multi/app" "$d/multi/app"
  sed "s/^FROM ruby:3\.4\$/FROM ruby:$v/" "$WIMG_REPO/examples/ruby/multi/Wasmfile" >"$d/multi/Wasmfile"
  grep -q "^FROM ruby:$v\$" "$d/multi/Wasmfile" || fail "examples/ruby/multi/Wasmfile is not FROM ruby:3.4 any more"
  echo 'load "/app/main.rb"' >"$d/boot.rb"
  for app in seed multi; do
    "$WIMG" --store "$d/store-a" build -t "$app:$v" -o "$d/$app.wasm" "$d/$app" >"$d/build-$app.log" 2>&1 ||
      fail "build $app FROM ruby:$v: $(cat "$d/build-$app.log")"
    rc=0
    (cd "$WORK" && "$WIMG" --store "$d/store-a" run "$d/$app.wasm") >"$d/$app.wimg" 2>"$d/$app.wimg.err" </dev/null || rc=$?
    [[ $rc -eq 0 ]] || fail "$app FROM ruby:$v exited $rc: $(head -c 2000 "$d/$app.wimg.err")"
    rc=0
    (cd "$WORK" && "$NODE" "$HERE/run.mjs" --dir "$d/$app/app::/app" "$own" "$d/boot.rb") \
      >"$d/$app.npm" 2>"$d/$app.npm.err" </dev/null || rc=$?
    [[ $rc -eq 0 ]] || fail "$app on npm's own $v exited $rc: $(head -c 2000 "$d/$app.npm.err")"
    same "$app-$v" "$d/$app.npm" "$d/$app.wimg" "$d/$app.npm.err" "$d/$app.wimg.err"
  done
  head -n 1 "$d/seed.wimg" | grep -q "^ruby $v\." || fail "the seed app on ruby:$v says: $(head -n 1 "$d/seed.wimg")"
  note "ruby:$v $digest (${#stores[@]} fresh store(s)); seed ($(wc -l <"$d/seed.wimg") lines) and multi as npm's own ($(ms_since "$t0") ms)"
done
note "ok"
