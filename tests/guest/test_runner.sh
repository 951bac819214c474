#!/usr/bin/env bash
# runtime/runner/wasi-run.mjs: exit codes, traps and its usage/load errors
# (each must exit 2 with a message naming the problem on stderr).
set -euo pipefail

source "$(dirname "$0")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
CC=${WASI_CC:-clang-19}
SYSROOT=${WASI_SYSROOT:-/usr}
RUNNER=$SRC/runtime/runner/wasi-run.mjs
[[ -x "$NODE" ]] || { echo "FAIL: no node at $NODE" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/wimg-runner.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

build() { # build NAME [clang flags]: C source on stdin
  local name=$1
  shift
  "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -O2 "$@" -x c - -o "$name.wasm"
}
build exit42 <<'EOF'
#include <stdio.h>
int main(void) { puts("out"); fputs("err\n", stderr); return 42; }
EOF
build trap <<'EOF'
#include <stdlib.h>
int main(void) { abort(); }
EOF
build reactor -mexec-model=reactor <<'EOF'
int add(int a, int b) { return a + b; }
EOF
build cat <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "r");
  int c;
  if (!f) { perror(argv[1]); return 1; }
  while ((c = fgetc(f)) != EOF) putchar(c);
  return 0;
}
EOF
printf 'not wasm\n' >bad.wasm
mkdir -p d && printf 'hello\n' >d/f.txt

passed=0 failed=0
# check WHAT WANT_RC STDOUT_NEEDLE STDERR_NEEDLE -- runner args...
check() {
  local what=$1 want=$2 out_needle=$3 err_needle=$4
  shift 5
  local rc=0
  "$NODE" "$RUNNER" "$@" >out 2>err || rc=$?
  if [[ $rc == "$want" && "$(cat out)" == *"$out_needle"* && "$(cat err)" == *"$err_needle"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $rc (want $want); stdout: $(head -c 300 out); stderr: $(head -c 300 err)" >&2
  fi
}

check "exit code and both streams" 42 out err -- exit42.wasm
check "proc_exit 0 from main returning 0" 0 hello "" -- --dir d::/x cat.wasm /x/f.txt
check "GUEST defaults to HOST" 0 hello "" -- --dir d cat.wasm d/f.txt
check "--opt=value form" 0 hello "" -- --dir=d::/x cat.wasm /x/f.txt
check "without a preopen the guest cannot open /x" 1 "" "/x/f.txt" -- cat.wasm /x/f.txt
check "guest args that look like options" 0 hello "" -- --dir d::/x -- cat.wasm /x/f.txt --dir
check "trap exits 134" 134 "" "trapped" -- trap.wasm
check "missing module" 2 "" "cannot read module nope.wasm" -- nope.wasm
check "not a wasm module" 2 "" "not a valid WebAssembly module" -- bad.wasm
check "reactor" 2 "" "reactor" -- reactor.wasm
check "no module" 2 "" "no module given" --
check "unknown option" 2 "" "unknown option --bogus" -- --bogus exit42.wasm
check "--dir without a value" 2 "" "--dir needs a value" -- --dir
check "--dir that does not exist" 2 "" "--dir nowhere: ENOENT" -- --dir nowhere exit42.wasm
check "--dir that is a file" 2 "" "not a directory" -- --dir d/f.txt exit42.wasm
check "--dir guest path twice" 2 "" "given twice" -- --dir d::/x --dir d::/x exit42.wasm
check "--env without =" 2 "" "expected K=V" -- --env FOO exit42.wasm
check "--help" 0 "usage:" "" -- --help

echo "$passed passed, $failed failed"
((failed == 0))
