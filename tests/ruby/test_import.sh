#!/usr/bin/env bash
# test_import.sh: `wimg import` of local modules (ctest runtime.ruby_import).
#
#  1. A plain WASI program (C, clang-19 + wasi-libc) imported as tool:1: a
#     base with no layer that `wimg run tool:1` runs; the same digest in a
#     second fresh store; a packed module and a non-module are refused
#     (exit 3) and leave no name, by `image create --base` too (one check
#     for every command: image/base.h).
#  2. npm's ruby+stdlib.wasm (a wasi-vfs-packed CRuby) imported as myruby:1:
#     its /usr/local/lib/ruby becomes one layer, equal file by file to the
#     library @ruby/wasm-wasi's own RubyVM lists (dump_stdlib.mjs, an
#     independent reader: same paths, sizes and SHA-256); modes 0644/0755;
#     the same image digest in a second fresh store; Ruby runs from it and
#     finds its library (`require "set"`, `require "json"`).
#  3. system, backticks, spawn, fork, Thread.new and IO.popen raise
#     NotImplementedError naming the feature at the caller's line.
#  4. `wimg build` warns about a native extension (*.so) COPYed into an
#     image FROM the CRuby base, naming the file; not FROM the plain one.
#  File times: the imported library's files and an app's files FROM it show
#  RUBY_RELEASE_DATE 00:00 UTC (no SOURCE_DATE_EPOCH set).
#
# Env: WIMG (required), WIMG_NODE (node >= 24), E2E_KEEP=1.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/paths.sh"
source "$WIMG_REPO/tests/e2e/lib.sh"
e2e_node_init test_import
[[ -f "$RUBY_DIST/ruby+stdlib.wasm" ]] || fail "no $RUBY_DIST/ruby+stdlib.wasm (run scripts/setup)"
unset SOURCE_DATE_EPOCH
W() { local s=$1; shift; "$WIMG" --store "$WORK/$s" "$@"; }
last_line() { tail -n 1 "$E2E_TMP/out"; }

# --- 1. a plain WASI program -------------------------------------------
cat >"$WORK/hello.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) {
  printf("hello from a plain base, %d args, last %s\n", argc, argv[argc - 1]);
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$WORK/hello.c" -o "$WORK/hello.wasm"
expect_rc 0 "import hello.wasm" W s1 import "$WORK/hello.wasm" -t tool:1
d1=$(last_line)
assert_match 'sha256:[0-9a-f]{64}' "$d1" "import's last line"
assert_contains "(wasi): 0 layer(s)" "$(cat "$E2E_TMP/out")" "import hello.wasm"
expect_rc 0 "run tool:1" W s1 run tool:1 a b
assert_eq "hello from a plain base, 3 args, last b" "$(cat "$E2E_TMP/out")" "run tool:1"
cp "$WORK/hello.wasm" "$WORK/renamed.wasm"
expect_rc 0 "import in a second store" W s2 import "$WORK/renamed.wasm"
assert_eq "$d1" "$(last_line)" "digest of the same module in a fresh store"
mkdir "$WORK/tree" && echo x >"$WORK/tree/x"
expect_rc 0 "pack hello.wasm" W s1 pack "$WORK/hello.wasm" -o "$WORK/packed.wasm" --layer "$WORK/tree"
expect_rc 3 "import a packed module" W s1 import "$WORK/packed.wasm" -t bad:1
assert_contains "packed image" "$(cat "$E2E_TMP/err")" "refusal"
expect_rc 3 "import a text file" W s1 import "$WORK/hello.c" -t bad:1
assert_contains "hello.c: byte 0: not a WebAssembly module" "$(cat "$E2E_TMP/err")" "refusal"
expect_rc 3 "image create --base a packed module" W s1 image create --base "$WORK/packed.wasm" -t bad:1
assert_contains "packed.wasm: is already a packed image" "$(cat "$E2E_TMP/err")" "image create refusal"
expect_rc 0 "images" W s1 images
assert_not_contains "bad" "$(cat "$E2E_TMP/out")" "images after refusals"

# --- 2. a wasi-vfs-packed CRuby ----------------------------------------
expect_rc 0 "import ruby+stdlib.wasm" W r1 import "$RUBY_DIST/ruby+stdlib.wasm" -t myruby:1
r1=$(last_line)
assert_contains "(cruby): 1 layer(s)" "$(cat "$E2E_TMP/out")" "import ruby+stdlib.wasm"
# The oracle: the same library as listed by npm's own JavaScript glue.
"$NODE" "$WIMG_REPO/tests/ruby/dump_stdlib.mjs" "$RUBY_DIST/ruby+stdlib.wasm" >"$WORK/oracle.tar" 2>"$WORK/oracle.err" ||
  fail "dump_stdlib.mjs: $(cat "$WORK/oracle.err")"
mkdir "$WORK/oracle" && tar -xf "$WORK/oracle.tar" -C "$WORK/oracle"
expect_rc 0 "export myruby:1" W r1 export myruby:1 -o "$WORK/export"
python3 - "$WORK/oracle/wimg-stdlib-manifest.txt" "$WORK/export" <<'PY' || fail "the imported library differs from the oracle"
import hashlib, os, stat, sys
manifest, root = sys.argv[1], sys.argv[2]
want = {}
for line in open(manifest, encoding="utf-8").read().splitlines():
    if line.startswith("WIMG-STDLIB-END"):
        continue
    digest, size, path = line.split(" ", 2)
    want[path] = (digest, int(size))
have = {}
for dp, dns, fns in os.walk(root):
    for d in dns:
        m = stat.S_IMODE(os.lstat(os.path.join(dp, d)).st_mode)
        if m != 0o755:
            sys.exit(f"{d}: mode {m:o}, expected 755")
    for n in fns:
        p = os.path.join(dp, n)
        m = stat.S_IMODE(os.lstat(p).st_mode)
        if m != 0o644:
            sys.exit(f"{p}: mode {m:o}, expected 644")
        b = open(p, "rb").read()
        have[os.path.relpath(p, root)] = (hashlib.sha256(b).hexdigest(), len(b))
if want != have:
    missing = sorted(set(want) - set(have))[:5]
    extra = sorted(set(have) - set(want))[:5]
    diff = sorted(k for k in set(want) & set(have) if want[k] != have[k])[:5]
    sys.exit(f"missing {missing} extra {extra} differing {diff}")
print(f"test_import: the library matches the oracle: {len(want)} files")
PY
expect_rc 0 "import ruby+stdlib.wasm in a second store" W r2 import "$RUBY_DIST/ruby+stdlib.wasm"
assert_eq "$r1" "$(last_line)" "digest of the same CRuby in a fresh store"
expect_rc 0 "run myruby:1" W r1 run myruby:1 -e 'require "set"; require "json"; puts JSON.generate(Set[1, 2].to_a)'
assert_eq "[1,2]" "$(cat "$E2E_TMP/out")" "Ruby from the imported base"
# Without SOURCE_DATE_EPOCH, an imported CRuby's files date from its
# RUBY_RELEASE_DATE (docs/FORMATS.md, "Normalisation"), not 1970.
mtime_rb='puts File.mtime(ARGV[0]).utc.strftime("%F %T"), RUBY_RELEASE_DATE'
expect_rc 0 "File.mtime in myruby:1" W r1 run myruby:1 -e "$mtime_rb" /usr/local/lib/ruby/3.4.0/set.rb
release=$(sed -n 2p "$E2E_TMP/out")
assert_match '^20[0-9]{2}-[0-9]{2}-[0-9]{2}$' "$release" "RUBY_RELEASE_DATE"
assert_eq "$release 00:00:00" "$(head -n 1 "$E2E_TMP/out")" "mtime of a library file"
# What WASI cannot do raises NotImplementedError naming it, from the
# caller's line (npm's build returns true from `system` without running it).
for c in 'system("true")|system' 'p `true`|` (backticks)' 'spawn("true")|spawn' 'fork|fork' \
         'Thread.new { 1 }|Thread.new' 'IO.popen("true")|IO.popen'; do
  expect_rc 1 "${c%%|*}" W r1 run myruby:1 -e "x = 1
${c%%|*}"
  assert_contains "-e:2:in '<main>': ${c#*|} is not supported in a WebAssembly (WASI) image" "$(cat "$E2E_TMP/err")" "${c%%|*}"
done
expect_rc 0 "rescue NotImplementedError" W r1 run myruby:1 -e 'begin; system("x"); rescue NotImplementedError; puts "ok"; end'
assert_eq "ok" "$(cat "$E2E_TMP/out")" "rescue"
# --- 4. a native extension COPYed into a CRuby image is a build warning --
mkdir -p "$WORK/ext/lib" && echo not-elf >"$WORK/ext/lib/ext.so" && echo 'puts 1' >"$WORK/ext/app.rb"
printf 'FROM myruby:1\nCOPY lib /app/lib\nCOPY app.rb /app/\n' >"$WORK/ext/Wasmfile"
expect_rc 0 "build with a .so FROM myruby:1" W r1 build -t ext:1 "$WORK/ext"
assert_contains "Wasmfile:2: COPY lib /app/lib: /app/lib/ext.so is a native extension: a WebAssembly Ruby cannot load it" \
  "$(cat "$E2E_TMP/err")" "warning for a .so in a CRuby image"
assert_eq 1 "$(grep -c 'native extension' "$E2E_TMP/err")" "warnings for one .so"
expect_rc 0 "File.mtime in an image FROM myruby:1" W r1 run ext:1 -e "$mtime_rb" /app/app.rb
assert_eq "$release 00:00:00" "$(head -n 1 "$E2E_TMP/out")" "an app file FROM myruby:1 keeps its base's time"
printf 'FROM tool:1\nCOPY lib /app/lib\n' >"$WORK/ext/Wasmfile"
expect_rc 0 "build with a .so FROM tool:1" W s1 build -t ext:1 "$WORK/ext"
assert_not_contains "native extension" "$(cat "$E2E_TMP/err")" "a plain base"
note "ok"
