#!/usr/bin/env bash
# wimg build RUN on a plain WASI base (a C guest built here): the base is
# the program and the words after the first are its argv; ENV and WORKDIR
# are the image's (WORKDIR as PWD: a wasi-libc guest stays at /); writes, removals and new directories become one layer
# per RUN (OCI whiteouts for removals, only the topmost); the guest's clock
# is SOURCE_DATE_EPOCH and random_get is seeded, so a --no-cache rebuild
# gives the same layers and image; a cached rebuild runs nothing; a failing
# or endless RUN fails naming Wasmfile:LINE and names nothing.
# (RUN with real CRuby: tests/ruby/test_build_run.sh.)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_node_init test_build_run
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v clang-19 >/dev/null || fail "clang-19 is required"
unset SOURCE_DATE_EPOCH

# The guest: `tool VERB ARGS...`, one verb per run.
C=$E2E_TMP/ctx
mkdir -p "$C/data/sub"
cat >"$E2E_TMP/tool.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "write")) {  /* write PATH TEXT */
    FILE *f = fopen(argv[2], "w");
    if (!f) { perror(argv[2]); return 1; }
    fprintf(f, "%s\n", argv[3]);
    return fclose(f) ? 1 : 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "rm")) return unlink(argv[2]) ? (perror(argv[2]), 1) : 0;
  if (argc >= 3 && !strcmp(argv[1], "rmdir")) return rmdir(argv[2]) ? (perror(argv[2]), 1) : 0;
  if (argc >= 3 && !strcmp(argv[1], "mkdir")) return mkdir(argv[2], 0755) ? (perror(argv[2]), 1) : 0;
  if (argc >= 3 && !strcmp(argv[1], "stamp")) {  /* stamp PATH: clock, randomness, $APP_MODE, $PWD */
    unsigned char r[8];
    if (getentropy(r, sizeof r)) return 1;
    FILE *f = fopen(argv[2], "w");
    if (!f) { perror(argv[2]); return 1; }
    fprintf(f, "%lld ", (long long)time(NULL));
    for (int i = 0; i < 8; i++) fprintf(f, "%02x", r[i]);
    const char *mode = getenv("APP_MODE"), *pwd = getenv("PWD");
    fprintf(f, " %s %s\n", mode ? mode : "-", pwd ? pwd : "-");
    return fclose(f) ? 1 : 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "exit")) {
    fprintf(stderr, "tool: exiting with %s\n", argv[2]);
    return atoi(argv[2]);
  }
  if (argc >= 2 && !strcmp(argv[1], "spin")) for (;;) {}
  fprintf(stderr, "tool: bad arguments\n");
  return 2;
}
EOF
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$E2E_TMP/tool.c" -o "$C/tool.wasm"
echo a >"$C/data/a.txt"
echo keep >"$C/data/keep.txt"
echo s >"$C/data/sub/s.txt"
cat >"$C/Wasmfile" <<'EOF'
FROM tool.wasm
ENV APP_MODE=build
COPY data /data
RUN tool rm /data/a.txt
RUN tool rm /data/sub/s.txt
RUN tool rmdir /data/sub
RUN ["tool", "mkdir", "/data/new"]
RUN tool write /data/new/n.txt "made by RUN"
WORKDIR /data
RUN tool stamp /data/stamp.txt
EOF

# layer_at IMAGE N: the Nth layer from the top (0 = the last).
layer_at() {
  W history --json "$1" | python3 -c '
import json, sys
rows = [r["layer"] for r in json.load(sys.stdin) if r["layer"].startswith("sha256:") and r["created_by"] != "base wasm"]
print(rows[int(sys.argv[1])])' "$2"
}
image_of() { sed -n 's/^image \(sha256:[0-9a-f]*\): .*/\1/p' "$1"; }

export SOURCE_DATE_EPOCH=1700000000
W build -t t:1 "$C" >"$E2E_TMP/b1.log" 2>&1 || { cat "$E2E_TMP/b1.log" >&2; fail "build failed"; }
img1=$(image_of "$E2E_TMP/b1.log")
assert_eq "6" "$(grep -cE '^\[[0-9]+/[0-9]+\] RUN .*  [0-9.]+ ms$' "$E2E_TMP/b1.log")" "RUN steps that ran"
assert_eq "keep.txt
new
stamp.txt" "$(W ls t:1 /data)" "ls /data after the RUNs"
assert_eq "made by RUN" "$(W cat t:1 /data/new/n.txt)" "the file a RUN wrote"
stamp=$(W cat t:1 /data/stamp.txt)
assert_match '1700000000 [0-9a-f]{16} build /data' "$stamp" "clock, randomness, ENV and WORKDIR the RUN saw"
# One layer per RUN, each holding only its change.
expect_layer() {  # N LINES: the entries (kind and path) of layer N from the top
  local got
  got=$(W layer ls "$(layer_at t:1 "$1")" | awk '{print $1, $NF}')
  assert_eq "$2" "$got" "layer $1 from the top"
}
expect_layer 5 "d data
w data/a.txt"
expect_layer 4 "d data
d data/sub
w data/sub/s.txt"
expect_layer 3 "d data
w data/sub"
expect_layer 2 "d data
d data/new"
expect_layer 1 "d data
d data/new
f data/new/n.txt"
expect_layer 0 "d data
f data/stamp.txt"

# A cached rebuild runs nothing; --no-cache runs everything again, alike.
W build -t t:1 "$C" >"$E2E_TMP/b2.log" 2>&1 || { cat "$E2E_TMP/b2.log" >&2; fail "rebuild failed"; }
assert_eq "$img1" "$(image_of "$E2E_TMP/b2.log")" "image digest of a cached rebuild"
assert_eq 8 "$(grep -cE '^\[[0-9]+/[0-9]+\] (FROM|COPY|RUN) .*  CACHED$' "$E2E_TMP/b2.log")" "CACHED layer steps"
W build --no-cache -t t:2 "$C" >"$E2E_TMP/b3.log" 2>&1 || { cat "$E2E_TMP/b3.log" >&2; fail "--no-cache build failed"; }
assert_eq 0 "$(grep -c CACHED "$E2E_TMP/b3.log" || true)" "--no-cache: nothing cached"
assert_eq "$img1" "$(image_of "$E2E_TMP/b3.log")" "image digest of a --no-cache rebuild (same layers)"
# Another clock is another key, and another stamp.
SOURCE_DATE_EPOCH=1700000100 W build -t t:3 "$C" >"$E2E_TMP/b4.log" 2>&1 || fail "build with another clock failed"
assert_match '1700000100 [0-9a-f]{16} build /data' "$(W cat t:3 /data/stamp.txt)" "the stamp under another clock"
unset SOURCE_DATE_EPOCH

# Failures name the line and keep names as they were.
F=$E2E_TMP/fail
mkdir -p "$F"
cp "$C/tool.wasm" "$F/"
printf 'FROM tool.wasm\nRUN tool write /x.txt x\nRUN tool exit 7\n' >"$F/Wasmfile"
if W build -t f:1 "$F" >"$E2E_TMP/f.out" 2>"$E2E_TMP/f.err"; then fail "a failing RUN built"; fi
err=$(cat "$E2E_TMP/f.err")
assert_contains 'Wasmfile:3: RUN ["tool","exit","7"]: failed (exit 7); its output:' "$err" "failing RUN: line, status"
assert_contains "tool: exiting with 7" "$err" "failing RUN: its output"
W images | grep -q '^f ' && fail "a failed build named its image"
printf 'FROM tool.wasm\nRUN tool spin\n' >"$F/Wasmfile"
if W build --run-timeout 1500ms "$F" >"$E2E_TMP/t.out" 2>"$E2E_TMP/t.err"; then fail "an endless RUN built"; fi
assert_contains 'Wasmfile:2: RUN ["tool","spin"]: still running after 1500 ms (--run-timeout): stopped, nothing committed' \
  "$(cat "$E2E_TMP/t.err")" "endless RUN"
ls "$S/tmp" | grep -q '^run-' && fail "a RUN's temp directory was left: $(ls "$S/tmp")"
if W build --run-timeout 0 "$F" >/dev/null 2>"$E2E_TMP/u.err"; then fail "--run-timeout 0 accepted"; fi
assert_contains "--run-timeout 0: expected a positive duration" "$(cat "$E2E_TMP/u.err")" "--run-timeout 0"
note "ok"
