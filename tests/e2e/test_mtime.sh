#!/usr/bin/env bash
# File times inside an image (docs/FORMATS.md, "Normalisation"): a wasi-libc
# guest stat()s image files under `wimg run` (node) and sees the image's
# `created` as every mtime, atime and ctime:
#  1. `wimg pack` with SOURCE_DATE_EPOCH: that time; without: 0.
#  2. `wimg build` without SOURCE_DATE_EPOCH keeps its FROM image's time
#     (through a stage too), FROM a .wasm file gives 0; with it, it wins.
#  3. Same inputs, byte-identical .wasm (built twice, in two stores).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_node_init test_mtime
umask 022
command -v clang-19 >/dev/null || fail "clang-19 is required (wasm32-wasi guest)"
unset SOURCE_DATE_EPOCH
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }

# Prints "PATH mtime atime ctime" (seconds) for each argument.
cat >"$E2E_TMP/stat.c" <<'C'
#include <stdio.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) { perror(argv[i]); return 1; }
    printf("%s %lld %lld %lld\n", argv[i], (long long)st.st_mtim.tv_sec, (long long)st.st_atim.tv_sec,
           (long long)st.st_ctim.tv_sec);
  }
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$E2E_TMP/stat.c" -o "$E2E_TMP/stat.wasm"
T=$E2E_TMP/tree
mkdir -p "$T/etc"
echo "x" >"$T/etc/f.txt"
touch -d "2001-02-03 04:05:06" "$T/etc/f.txt"  # the host's mtime never reaches the image

# expect_times WHAT T FILE.wasm|IMAGE: every path the guest stats shows time
# T. Not "/": the writable upper layer makes /tmp in it at start, which
# (as any write) gives it the clock's time.
expect_times() {
  local what=$1 t=$2 target=$3
  expect_rc 0 "$what" W run "$target" /etc /etc/f.txt
  assert_eq "/etc $t $t $t
/etc/f.txt $t $t $t" "$(cat "$E2E_TMP/out")" "$what"
}

# --- 1. pack ----------------------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 W pack "$E2E_TMP/stat.wasm" -o "$E2E_TMP/sde.wasm" --layer "$T" >/dev/null
expect_times "pack with SOURCE_DATE_EPOCH" 1700000000 "$E2E_TMP/sde.wasm"
W pack "$E2E_TMP/stat.wasm" -o "$E2E_TMP/zero.wasm" --layer "$T" >/dev/null
expect_times "pack without SOURCE_DATE_EPOCH" 0 "$E2E_TMP/zero.wasm"

# --- 2. build: FROM an image keeps its time ---------------------------------
SOURCE_DATE_EPOCH=1600000000 W image create --base "$E2E_TMP/stat.wasm" -t statbase:1 >/dev/null
C=$E2E_TMP/ctx
mkdir -p "$C/etc"
echo "x" >"$C/etc/f.txt"
printf 'FROM statbase:1 AS b\nCOPY etc /etc\nFROM b\nENV X=1\n' >"$C/Wasmfile"
expect_rc 0 "build FROM an image" W build -t app:1 -o "$E2E_TMP/app.wasm" "$C"
expect_times "FROM an image, no SOURCE_DATE_EPOCH" 1600000000 "$E2E_TMP/app.wasm"
expect_times "run app:1 from the store" 1600000000 app:1
SOURCE_DATE_EPOCH=1800000000 W build -t app:2 -o "$E2E_TMP/app2.wasm" "$C" >/dev/null 2>&1 || fail "build with SOURCE_DATE_EPOCH"
expect_times "FROM an image, SOURCE_DATE_EPOCH wins" 1800000000 "$E2E_TMP/app2.wasm"
cp "$E2E_TMP/stat.wasm" "$C/stat.wasm"
printf 'FROM stat.wasm\nCOPY etc /etc\n' >"$C/Wasmfile"
expect_rc 0 "build FROM a .wasm" W build -o "$E2E_TMP/fromwasm.wasm" "$C"
expect_times "FROM a .wasm, no SOURCE_DATE_EPOCH" 0 "$E2E_TMP/fromwasm.wasm"

# --- 3. reproducible ----------------------------------------------------------
printf 'FROM statbase:1\nCOPY etc /etc\n' >"$C/Wasmfile"
W build -o "$E2E_TMP/r1.wasm" "$C" >/dev/null 2>&1 || fail "build r1"
S2=$E2E_TMP/store2
SOURCE_DATE_EPOCH=1600000000 "$WIMG" --store "$S2" image create --base "$E2E_TMP/stat.wasm" -t statbase:1 >/dev/null
touch -d "2011-01-01" "$C/etc/f.txt"
"$WIMG" --store "$S2" build -o "$E2E_TMP/r2.wasm" "$C" >/dev/null 2>&1 || fail "build r2"
cmp "$E2E_TMP/r1.wasm" "$E2E_TMP/r2.wasm" || fail "same inputs in two stores gave different .wasm files"
note "ok"
