#!/usr/bin/env bash
# Any WASI module: a small corpus built here from sources
# (tests/e2e/data/corpus/) by three toolchains, each packed with a tree and
# run under node 24 (`wimg run`), must print exactly what the unpacked
# module prints with the same tree as a host directory (node's WASI through
# the runner, runtime/runner/wasi-run.mjs):
#   - C, clang-19 + wasi-libc, importing wasi_snapshot_preview1.fd_write
#     TWICE under two internal names (the shape AssemblyScript emits; wimg
#     refused it: "already defines wimg$host$fd_write");
#   - C++, clang++-19 + Debian's libc++-19-dev-wasm32;
#   - Rust, Debian's rustc 1.63 + libstd-rust-dev-wasm32, --target wasm32-wasi;
#   - AssemblyScript 0.28 + @assemblyscript/wasi-shim from npm (scripts/setup),
#     its WASI calls declared in the source.
# Each reads /data/in.txt and lists /data from the image.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_node_init test_wasi_corpus
umask 022
SRC=$WIMG_REPO/tests/e2e/data/corpus
RUNNER=$WIMG_REPO/runtime/runner/wasi-run.mjs
RUSTC=/usr/bin/rustc  # Debian's, whatever else is on PATH
command -v clang-19 >/dev/null || fail "clang-19 is required (scripts/setup)"
[[ -d /usr/include/wasm32-wasi/c++/v1 ]] || fail "libc++-19-dev-wasm32 is required (scripts/setup)"
[[ -x $RUSTC && -d /usr/lib/rustlib/wasm32-wasi ]] || fail "rustc and libstd-rust-dev-wasm32 are required (scripts/setup)"
command -v wasm-objdump >/dev/null || fail "wasm-objdump (wabt) is required"
W() { "$WIMG" --store "$E2E_TMP/store" "$@"; }
B=$E2E_TMP/build
mkdir -p "$B"

# --- the corpus ----------------------------------------------------------------
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$SRC/dup_import.c" -o "$B/raw.wasm"
python3 - "$B/raw.wasm" "$B/c.wasm" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"\x08fd_wrXte") == 1, "the second import's name is not in the module once"
open(sys.argv[2], "wb").write(b.replace(b"\x08fd_wrXte", b"\x08fd_write"))
PY
imports=$(wasm-objdump -x -j Import "$B/c.wasm" | grep -c '<- wasi_snapshot_preview1.fd_write$' || true)
assert_eq 2 "$imports" "imports of fd_write in the C module"
clang++-19 --target=wasm32-wasi --sysroot=/usr -O2 -fno-exceptions "$SRC/files.cpp" -o "$B/cpp.wasm"
"$RUSTC" --edition 2021 --target wasm32-wasi -O -C strip=debuginfo "$SRC/files.rs" -o "$B/rust.wasm"
# (asc finds the shim's library only through a relative --config path.)
(cd "$ASC_MODULES/@assemblyscript/wasi-shim" &&
  "$NODE" ../../assemblyscript/bin/asc.js "$SRC/files.ts" -O2 -o "$B/as.wasm" --config asconfig.json) ||
  fail "asc failed (scripts/setup installs AssemblyScript)"

T=$E2E_TMP/tree
mkdir -p "$T/data/sub"
printf 'hello corpus\nhello again\n' >"$T/data/in.txt"
echo "zz" >"$T/data/z.txt"
layer=$(wimg_add "$E2E_TMP/store" "$T")

for m in c cpp rust as; do
  rc=0
  "$NODE" "$RUNNER" --dir "$T/data::/data" -- "$B/$m.wasm" /data/in.txt /data >"$B/$m.host" 2>"$B/$m.host.err" || rc=$?
  [[ $rc == 0 ]] || fail "$m.wasm on a host dir: exit $rc: $(cat "$B/$m.host.err")"
  assert_contains "/data/in.txt: 25 bytes: hello corpus" "$(cat "$B/$m.host")" "$m on a host dir"
  assert_contains "z.txt file" "$(cat "$B/$m.host")" "$m on a host dir"
  expect_rc 0 "pack $m.wasm" W pack "$B/$m.wasm" -o "$B/$m.packed.wasm" --layer "$layer"
  expect_rc 0 "run the packed $m.wasm" W run "$B/$m.packed.wasm" /data/in.txt /data
  assert_eq "$(cat "$B/$m.host")" "$(cat "$E2E_TMP/out")" "$m packed vs on a host dir"
  note "$m: $(wc -l <"$B/$m.host") lines identical, $(stat -c %s "$B/$m.wasm") -> $(stat -c %s "$B/$m.packed.wasm") bytes"
done
assert_contains "via the second fd_write import" "$(cat "$B/c.host")" "the C module's second import"
note "ok"
