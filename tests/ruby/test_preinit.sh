#!/usr/bin/env bash
# test_preinit.sh: Wasmfile PREINIT end to end (ctest runtime.ruby_preinit).
#
#  1. Clear errors before any snapshot: no Wizer (WIMG_WIZER unset, none on
#     PATH) names both; PREINIT on an image without ENTRYPOINT/CMD.
#  2. tests/ruby/preinit (PREINIT ["-r", "json", "-r", "/app/boot.rb"]) is
#     built with -o: Wizer takes the snapshot, `wimg inspect` says so.
#  3. Two runs with different argv, FOO, stdin: each sees its own argv and
#     environment (not the build's WIMG_PREINIT), Random / Random.new /
#     SecureRandom differ, the clock is now, the preloads are there, a host
#     directory given at run time (-v) is readable and writable (and
#     read-only with :ro), WORKDIR holds. String#hash is the SAME in both
#     runs: CRuby seeds it once during ruby-init, which is in the snapshot
#     (docs/WASMFILE.md, PREINIT, says so).
#  4. A rebuild takes the snapshot from the store's cache (same bytes);
#     `wimg run NAME` runs it; without the cache entry Wizer takes it again:
#     byte-identical. prune drops the cache entry once no name reaches the
#     image.
#
# Env: WIMG (required), WIMG_NODE, WIMG_WIZER (default tools/wizer, paths.sh),
# E2E_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_ruby_preinit
[[ -x "$WIMG_WIZER" ]] || fail "no Wizer at $WIMG_WIZER (run scripts/setup)"
unset SOURCE_DATE_EPOCH
STORE=$WORK/store
W() { "$WIMG" --store "$STORE" "$@"; }

bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$STORE" --wimg "$WIMG" >"$WORK/base.log" 2>&1 ||
  { cat "$WORK/base.log" >&2; fail "base/build.sh failed"; }
cp -r "$HERE/preinit" "$WORK/ctx"
cd "$WORK"

# 1. errors
run_capture out rc env -u WIMG_WIZER PATH=/nonexistent "$WIMG" --store "$STORE" build -o nowizer.wasm ctx
[[ $rc -ne 0 ]] || fail "a PREINIT build without Wizer succeeded"
assert_contains "set WIMG_WIZER=/path/to/wizer or put wizer on PATH" "$out" "no Wizer"
assert_contains "WIMG_WIZER: not set; wizer: not on PATH" "$out" "no Wizer: what was tried"
mkdir reactor && printf 'FROM ruby:3.4\nPREINIT\n' >reactor/Wasmfile
run_capture out rc W build -o reactor.wasm reactor
[[ $rc -ne 0 ]] || fail "PREINIT without ENTRYPOINT/CMD was accepted"
assert_contains "PREINIT needs ENTRYPOINT or CMD" "$out" "PREINIT on a reactor"
[[ ! -e reactor.wasm && ! -e nowizer.wasm ]] || fail "a failed build left an output"
note "errors: no Wizer, no ENTRYPOINT"

# 2. the snapshot
t0=$(date +%s%N)
W build -t preinit:1 -o p.wasm ctx >build.log 2>&1 || { cat build.log >&2; fail "PREINIT build failed"; }
note "build with snapshot: $((($(date +%s%N) - t0) / 1000000)) ms"
grep -q 'snapshot taken (PREINIT)' build.log || fail "build did not report the snapshot: $(tail -1 build.log)"
info=$(W inspect p.wasm)
assert_contains 'Preinit:    pre-initialised: starts from a snapshot taken after ruby-init + PREINIT ["-r","json","-r","/app/boot.rb"]' "$info" "inspect"

# 3. two runs
mkdir d && echo hostdata >d/x.txt
for i in 1 2; do
  printf 'in%s\n' "$i" | FOO=bar$i W run -e FOO -v "$WORK/d:/data" p.wasm a "b c" "ü\$x" >run$i.txt 2>run$i.err ||
    fail "run $i failed: $(cat run$i.err)"
  [[ ! -s run$i.err ]] || fail "run $i wrote to stderr: $(cat run$i.err)"
  now=$(date +%s)
  r() { sed -n "s/^$1=//p" run$i.txt; }
  assert_eq '["a", "b c", "ü$x"]' "$(r argv)" "run $i: ARGV"
  assert_eq "\"bar$i\" preinit_var=false baked=\"yes\"" "$(r foo)" "run $i: ENV"
  assert_eq "json boot=at-build" "$(r preloaded)" "run $i: preloads"
  assert_eq hostdata "$(r data)" "run $i: -v dir read"
  assert_eq ok "$(r data_write)" "run $i: -v dir write"
  assert_eq "\"in$i\\n\"" "$(r stdin)" "run $i: stdin"
  assert_eq "/app rel=relative" "$(r pwd)" "run $i: WORKDIR"
  t=$(r time)
  ((t >= now - 300 && t <= now + 5)) || fail "run $i: Time.now is $t, the host says $now (the build's clock?)"
done
[[ $(cat d/new.txt) == w ]] || fail "the guest's write did not reach the host directory"
for k in rand random_new secure; do
  assert_ne "$(grep "^$k=" run1.txt)" "$(grep "^$k=" run2.txt)" "$k in two runs"
done
assert_eq "$(grep '^hash=' run1.txt)" "$(grep '^hash=' run2.txt)" "String#hash (seeded once, in the snapshot)"
W run -v "$WORK/d:/data:ro" p.wasm </dev/null >ro.txt 2>&1 || fail "run with a read-only dir failed: $(cat ro.txt)"
grep -qx 'data_write=Errno::EROFS' ro.txt || fail "-v DIR:/data:ro: $(grep data_write ro.txt)"
note "runs: argv, ENV, stdin, clock, -v (rw and ro), Random/SecureRandom differ; String#hash the same"

# 4. cache, run by name, determinism, prune
W build -t preinit:1 -o p2.wasm ctx >build2.log 2>&1 || fail "rebuild failed"
! grep -q 'snapshot taken' build2.log || fail "the rebuild took a new snapshot"
cmp -s p.wasm p2.wasm || fail "the rebuild's output differs"
printf '' | W run preinit:1 x >byname.txt 2>&1 || fail "wimg run preinit:1 failed: $(cat byname.txt)"
grep -qx 'argv=\["x"\]' byname.txt || fail "wimg run preinit:1: $(head -3 byname.txt)"
mv "$STORE/cache/preinit" "$WORK/preinit.saved"
W build -o p3.wasm ctx >build3.log 2>&1 || fail "build without the cached snapshot failed: $(cat build3.log)"
grep -q 'snapshot taken' build3.log || fail "no new snapshot without the cache entry"
cmp -s p.wasm p3.wasm || fail "two snapshots of the same image differ (Wizer or the frozen clock/random is not deterministic)"
note "same inputs, two snapshots by Wizer: byte-identical ($(stat -c %s p.wasm) bytes)"
[[ -n "$(ls "$STORE/cache/preinit")" ]] || fail "no cache/preinit entry"
W rmi preinit:1 >/dev/null
W prune >/dev/null
[[ -z "$(ls "$STORE/cache/preinit")" ]] || fail "prune kept the snapshot of an unnamed image: $(ls "$STORE/cache/preinit")"
note "ok"
