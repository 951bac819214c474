#!/usr/bin/env bash
# test_writable.sh (ctest runtime.ruby_writable): a Ruby app writes at run
# time with no host directory at all (issue 11): Tempfile, Dir.mktmpdir,
# FileUtils.mkdir_p + File.write next to the app, rename/append/rm_rf,
# Logger to a new file, a Rack multipart POST (Debian's ruby-rack), an 8
# MiB file, truncate, links, utime.
#
#  1. ruby:3.4 from the installed npm package (examples/ruby/base/build.sh),
#     the app of writable/ built on it (ENTRYPOINT: a WASI command).
#  2. `wimg run APP.wasm`: every write goes to the image's in-memory upper
#     layer. The transcript must equal writable/expected.txt AND the same
#     program's transcript on host directories (`--dir` copies of /app and
#     an empty /tmp): CRuby on a host dir is the reference.
#  3. A second run starts from the image again (nothing persisted).
#  4. `--tmpfs-size 2m`: the 8 MiB file fails with ENOSPC, the rest works.
#  5. `--read-only`: no /tmp, writes next to the app are EROFS.
#  6. VOLUME /data (a dir the image lacks) exists and takes writes; with
#     `-v HOST:/data` the write lands on the host.
#
# Env: WIMG (required), E2E_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_ruby_writable
unset SOURCE_DATE_EPOCH
STORE=$WORK/store
W() { "$WIMG" --store "$STORE" "$@"; }

bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$STORE" --wimg "$WIMG" >"$WORK/base.log" 2>&1 ||
  { cat "$WORK/base.log" >&2; fail "base/build.sh failed"; }
# The build context: the app and Debian's Rack library (a multipart upload
# is parsed into a Tempfile).
[[ -f "$RACK_LIB/rack.rb" ]] || fail "no Rack library at $RACK_LIB (run scripts/setup)"
mkdir -p "$WORK/ctx/vendor"
cp "$HERE/writable/app.rb" "$HERE/writable/Wasmfile" "$WORK/ctx/"
cp -r "$RACK_LIB" "$WORK/ctx/vendor/rack"
W build -f "$WORK/ctx/Wasmfile" -t writable:1 -o "$WORK/app.wasm" "$WORK/ctx" >/dev/null ||
  fail "build of the writable app failed"

cd "$WORK"
W run app.wasm >image.txt 2>image.err || fail "run in the image failed: $(cat image.err)"
[[ ! -s image.err ]] || fail "stderr in the image: $(cat image.err)"
diff -u "$HERE/writable/expected.txt" image.txt || fail "the image's transcript is not writable/expected.txt"
mkdir -p host/app host/tmp
cp -r "$WORK/ctx/app.rb" "$WORK/ctx/vendor" host/app/
W run --dir "$WORK/host/app::/app" --dir "$WORK/host/tmp::/tmp" app.wasm >host.txt 2>host.err ||
  fail "run on host dirs failed: $(cat host.err)"
diff -u --label host-dirs --label image host.txt image.txt || fail "the image answers differently from host directories"
note "image == host dirs == expected ($(wc -l <image.txt) lines)"

W run app.wasm >again.txt 2>&1 || fail "second run failed"
cmp -s image.txt again.txt || fail "a second run differs: the first one's writes persisted?"

W run --tmpfs-size 2m app.wasm >small.txt 2>&1 || fail "run with --tmpfs-size 2m failed: $(cat small.txt)"
grep -qx 'big file: Errno::ENOSPC' small.txt || fail "no ENOSPC for 8 MiB in a 2 MiB layer: $(grep 'big file' small.txt)"
grep -qx 'Logger: \["INFO started\\n", "WARN careful\\n"\]' small.txt || fail "a full layer disturbed other writes"
note "--tmpfs-size 2m: ENOSPC for the 8 MiB file, the rest as before"

W run --read-only app.wasm >ro.txt 2>&1 || fail "run with --read-only failed: $(cat ro.txt)"
grep -qx 'tmp writable: false' ro.txt || fail "--read-only: /tmp is writable"
grep -qx 'mkdir_p next to app: Errno::EROFS' ro.txt || fail "--read-only: $(grep mkdir_p ro.txt)"
note "--read-only: EROFS next to the app, no /tmp"
mkdir -p vol
W run -v "$WORK/vol:/data" app.wasm >vol.txt 2>&1 || fail "run with -v vol:/data failed: $(cat vol.txt)"
[[ $(cat vol/v.txt 2>/dev/null) == "in the volume" ]] || fail "-v HOST:/data: the volume's write did not reach the host"
grep -qx 'VOLUME /data: \["v.txt"\]' image.txt || fail "VOLUME /data: $(grep VOLUME image.txt)"
note "VOLUME /data: created in the image, filled by -v"

verify_clean "$STORE"
note "OK"
