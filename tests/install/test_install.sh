#!/usr/bin/env bash
# The installed wimg stands alone: `cmake --install --strip` into a temp
# prefix, then the wasi-vfs seed scenario (hello FROM ruby:3.4, build and run)
# with that binary, from a directory outside the source tree, with a clean
# environment, traced by strace: no file under the source tree or the build
# directory may be touched (only node itself, the WASI host, lives under
# tools/). The ruby:3.4 base is made beforehand by the repo's
# examples/ruby/base/build.sh with the installed wimg (a base without the repo
# is `wimg import`, another issue). Also: `--version` names the version and
# the commit; `cpack -G DEB` makes a .deb holding /usr/bin/wimg whose Depends names the
# package of every library wimg needs (objdump's NEEDED).
#
# Env: WIMG_BUILD_DIR (the CMake build directory, required),
# WIMG_RUBY_CACHE (the dumped stdlib cache). Paths: scripts/lib/paths.sh.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/paths.sh"
E2E_NAME=install
source "$WIMG_REPO/tests/e2e/lib.sh"
BUILD=${WIMG_BUILD_DIR:?set WIMG_BUILD_DIR to the CMake build directory}
BUILD=$(cd "$BUILD" && pwd)
WIMG=$BUILD/wimg
e2e_init install
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup)"
command -v strace >/dev/null || fail "no strace (run scripts/setup)"

note "cmake --install --strip into a temp prefix"
PREFIX=$E2E_TMP/prefix
cmake --install "$BUILD" --prefix "$PREFIX" --strip >"$E2E_TMP/install.log"
BIN=$PREFIX/bin/wimg
[[ -x "$BIN" ]] || fail "no $BIN after cmake --install"
[[ -f "$PREFIX/share/doc/wimg/CLI.md" ]] || fail "the docs were not installed"
! grep -qaF -e "$WIMG_REPO/" -e "$BUILD/" "$BIN" || fail "the installed binary names the source or build tree"

note "wimg --version: version and commit"
version=$(env -i "$BIN" --version)
assert_match 'wimg [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(, modified)?|unknown)\)' "$version" "--version"
if git -C "$WIMG_REPO" rev-parse HEAD >/dev/null 2>&1; then
  assert_contains "commit $(git -C "$WIMG_REPO" rev-parse --short=12 HEAD)" "$version" "--version names HEAD"
fi
assert_eq "$("$BUILD/wimg" --version)" "$version" "installed and built binaries report the same version"

note "cpack -G DEB: wimg is in it, and Depends names the package of each library wimg needs"
(cd "$E2E_TMP" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$E2E_TMP/deb" >"$E2E_TMP/cpack.log" 2>&1) ||
  fail "cpack failed: $(tail -n 20 "$E2E_TMP/cpack.log")"
deb=$(ls "$E2E_TMP"/deb/wimg_*.deb)
contents=$(dpkg-deb -c "$deb")
grep -q ' ./usr/bin/wimg$' <<<"$contents" || fail "$deb holds no ./usr/bin/wimg"
depends=$(dpkg-deb -f "$deb" Depends)
needed=$(objdump -p "$BIN" | awk '$1 == "NEEDED" {print $2}')
[[ -n "$needed" ]] || fail "objdump found no NEEDED entries in $BIN"
for so in $needed; do
  lib=$(ldd "$BIN" | awk -v so="$so" '$1 == so {print $3}')
  [[ -n "$lib" ]] || fail "ldd does not resolve $so"
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true)
  pkg=$(head -n1 <<<"$pkg" | cut -d: -f1)
  [[ -n "$pkg" ]] || fail "no Debian package owns $lib ($so)"
  assert_contains "$pkg" "$depends" "the .deb's Depends covers $so"
done

note "ruby:3.4 with the installed wimg (examples/ruby/base/build.sh --wimg)"
STORE=$E2E_TMP/store
bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$STORE" --wimg "$BIN" >"$E2E_TMP/base.log" 2>&1 ||
  fail "base build failed: $(tail -n 20 "$E2E_TMP/base.log")"

note "the seed scenario from outside the tree, clean environment, traced"
WORK=$E2E_TMP/work
mkdir -p "$WORK"
cp -r "$WIMG_REPO/examples/ruby/hello" "$WORK/hello"
HOSTBIN=$E2E_TMP/hostbin
mkdir -p "$HOSTBIN"
ln -s "$NODE" "$HOSTBIN/node"
seed() {
  cd "$WORK"
  env -i HOME="$WORK" PATH="$PREFIX/bin:$HOSTBIN:/usr/bin:/bin" \
    strace -f -qq -s 4096 --seccomp-bpf -e trace=%file,%process -o "$E2E_TMP/trace.$1" "${@:2}"
}
seed build wimg --store "$STORE" build -t hello:1 -o hello.wasm hello >"$E2E_TMP/build.out" 2>&1 ||
  fail "wimg build failed: $(cat "$E2E_TMP/build.out")"
out=$(seed run wimg --store "$STORE" run hello.wasm 2>"$E2E_TMP/run.err") ||
  fail "wimg run failed: $(cat "$E2E_TMP/run.err")"
assert_eq "Hello, wasi-vfs" "$out" "hello.wasm run by the installed wimg"
out=$(seed run-tag wimg --store "$STORE" run hello:1 2>"$E2E_TMP/run.err") ||
  fail "wimg run hello:1 failed: $(cat "$E2E_TMP/run.err")"
assert_eq "Hello, wasi-vfs" "$out" "hello:1 run by the installed wimg"
# node's own files are the host's business; nothing else may come from the repo.
# (-s 4096 above: strace's default 32-byte strings would cut node's own path
# short of the tools/node/ prefix this exemption needs.)
for t in build run run-tag; do
  [[ -s "$E2E_TMP/trace.$t" ]] || fail "strace wrote nothing for $t"
  grep -qF "\"$WORK/hello" "$E2E_TMP/trace.$t" || [[ $t != build ]] || fail "the build trace shows no access to the context"
  grep -qF "execve(\"$HOSTBIN/node\"" "$E2E_TMP/trace.$t" || [[ $t == build ]] || fail "the $t trace does not follow wimg into node"
  leaks=$(grep -F -e "$WIMG_REPO" -e "$BUILD" "$E2E_TMP/trace.$t" | grep -vF "$WIMG_TOOLS/node/" || true)
  [[ -z "$leaks" ]] || fail "the installed wimg ($t) reached into the source or build tree:
$(head -n 10 <<<"$leaks")"
done
note "ok: $version"
