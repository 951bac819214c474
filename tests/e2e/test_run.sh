#!/usr/bin/env bash
# wimg run (node host, for real: wasmtime/wasmer/wasmedge are covered by
# the argv unit tests only), WORKDIR reaching the guest as PWD, and
# wimg history FILE.wasm against the store image of the same layers.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_run
umask 022
source "$(dirname "$0")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup, or set WIMG_NODE)"
command -v clang-19 >/dev/null || fail "clang-19 is required (wasm32-wasi guest)"
unset WIMG_NODE

# Hosts are found on PATH: a PATH with only node on it, and an empty one.
mkdir -p "$E2E_TMP/nodebin" "$E2E_TMP/empty"
ln -s "$NODE" "$E2E_TMP/nodebin/node"
NODEPATH=$E2E_TMP/nodebin
R() { PATH=$NODEPATH "$WIMG" --store "$S" run "$@"; }

# A wasi-libc guest: prints its args, environ and cwd; READ=PATH prints a
# file; CHDIR_PWD=1 does chdir($PWD) and reads the relative rel.txt;
# EXIT=N exits N, EXIT=trap traps.
cat >"$E2E_TMP/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
static int cat(const char *p) {
  FILE *f = fopen(p, "r");
  if (!f) { perror(p); return 5; }
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  printf("read %s: %s", p, buf);
  fclose(f);
  return 0;
}
int main(int argc, char **argv) {
  char cwd[256];
  for (int i = 1; i < argc; ++i) printf("arg %s\n", argv[i]);
  for (char **e = environ; *e; ++e) printf("env %s\n", *e);
  printf("cwd %s\n", getcwd(cwd, sizeof cwd));
  if (getenv("READ") && cat(getenv("READ"))) return 5;
  if (getenv("CHDIR_PWD")) {
    if (chdir(getenv("PWD")) != 0) { perror("chdir"); return 6; }
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    if (cat("rel.txt")) return 7;
  }
  const char *ex = getenv("EXIT");
  if (ex && !strcmp(ex, "trap")) __builtin_trap();
  return ex ? atoi(ex) : 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$E2E_TMP/prog.c" -o "$E2E_TMP/prog.wasm"
BASE=$E2E_TMP/prog.wasm
T=$E2E_TMP/tree
mkdir -p "$T/app" "$E2E_TMP/host"
echo "root file" >"$T/rel.txt"
echo "app file" >"$T/app/rel.txt"
echo "host file" >"$E2E_TMP/host/h.txt"
l1=$(wimg_add "$S" "$T")
APP=$E2E_TMP/app.wasm
W pack "$BASE" -o "$APP" --layer "$l1" --env A=baked --env B=b --cmd c1 c2 --workdir /app >/dev/null

# --- wimg run FILE.wasm: argv, environ, exit codes ---------------------------
expect_rc 0 "run with CMD" R "$APP"
out=$(cat "$E2E_TMP/out")
assert_eq "arg c1
arg c2
env A=baked
env B=b
env PWD=/app
cwd /" "$out" "CMD, baked ENV and PWD from WORKDIR"
expect_rc 0 "run with args" R -e A=host -e HOSTVAR "$APP" -x --y -- z
assert_eq "arg -x
arg --y
arg --
arg z
env A=host
env B=b
env PWD=/app
cwd /" "$(cat "$E2E_TMP/out")" "args replace CMD (even option-like ones); -e overrides ENV; -e K unset: dropped"
HOSTVAR=from-wimg expect_rc 0 "-e K from wimg's environment" R -e HOSTVAR "$APP"
assert_contains "env HOSTVAR=from-wimg" "$(cat "$E2E_TMP/out")" "-e K takes K's value from wimg's environment"
expect_rc 3 "guest exit 3" R -e EXIT=3 "$APP"
expect_rc 0 "guest exit 0" R -e EXIT=0 "$APP"
expect_rc 134 "guest trap" R -e EXIT=trap "$APP"
assert_contains "trapped" "$(cat "$E2E_TMP/err")" "the runner names the trap"
expect_rc 0 "--dir" R --dir "$E2E_TMP/host::/data" -e READ=/data/h.txt "$APP"
assert_contains "read /data/h.txt: host file" "$(cat "$E2E_TMP/out")" "--dir HOST::GUEST reaches the guest"
expect_rc 0 "the image beside a host dir" R --dir "$E2E_TMP/host::/data" -e READ=/app/rel.txt "$APP"
assert_contains "read /app/rel.txt: app file" "$(cat "$E2E_TMP/out")" "image files with a host preopen"
# The runner is written once into the store's cache, byte-identical to the source.
runner=$(find "$S/cache/runner" -name 'wasi-run-*.mjs')
cmp "$runner" "$SRC/runtime/runner/wasi-run.mjs" || fail "the cached runner differs from runtime/runner/wasi-run.mjs"
# The detection takes node from PATH; --host node and --host PATH too.
expect_rc 0 "--host node" R --host node "$APP"
expect_rc 0 "--host PATH" "$WIMG" --store "$S" run --host "$E2E_TMP/nodebin/node" "$APP"
WIMG_NODE=$NODE expect_rc 0 "WIMG_NODE with an empty PATH" env PATH="$E2E_TMP/empty" "$WIMG" --store "$S" run "$APP"

# Detection order and the exec of the other hosts, with stand-ins that
# print the argv they get (the real wasmtime/wasmer/wasmedge are not
# installed here; their syntax is pinned by the argv unit tests).
mkdir -p "$E2E_TMP/fakebin"
for h in wasmtime wasmer wasmedge; do
  # shellcheck disable=SC2016  # the script's own $0 and $@
  printf '#!/bin/sh\nprintf "%%s\\n" "${0##*/}" "$@"\nexit 7\n' >"$E2E_TMP/fakebin/$h"
  chmod +x "$E2E_TMP/fakebin/$h"
done
F() { PATH=$E2E_TMP/fakebin:$NODEPATH "$WIMG" --store "$S" run "$@"; }
expect_rc 7 "detected wasmtime" F --dir "$E2E_TMP/host::/data" -e K=V "$APP" -a b
assert_eq "wasmtime
run
--dir
$E2E_TMP/host::/data
--env
K=V
$APP
-a
b" "$(cat "$E2E_TMP/out")" "wasmtime comes first and gets its syntax; its exit code is wimg's"
expect_rc 7 "--host wasmer" F --host wasmer --dir "$E2E_TMP/host::/data" "$APP" -a
assert_eq "wasmer run --mapdir /data:$E2E_TMP/host $APP -- -a" "$(tr '\n' ' ' <"$E2E_TMP/out" | sed 's/ $//')" "wasmer argv"
rm "$E2E_TMP/fakebin/wasmtime" "$E2E_TMP/fakebin/wasmer"
expect_rc 7 "detected wasmedge" F -e K=V "$APP"
assert_eq "wasmedge --env K=V $APP" "$(tr '\n' ' ' <"$E2E_TMP/out" | sed 's/ $//')" "wasmedge argv"
rm "$E2E_TMP/fakebin/wasmedge"
expect_rc 0 "node after the others" F "$APP"

# --- WORKDIR -----------------------------------------------------------------
# wasi-libc starts at "/": a relative path is the image root's (README
# "WORKDIR"); a guest that does chdir($PWD) gets WORKDIR.
expect_rc 0 "relative path" R -e READ=rel.txt "$APP"
assert_contains "read rel.txt: root file" "$(cat "$E2E_TMP/out")" "wasi-libc resolves a relative path against /"
expect_rc 0 "chdir PWD" R -e CHDIR_PWD=1 "$APP"
assert_contains "cwd /app
read rel.txt: app file" "$(cat "$E2E_TMP/out")" "chdir(\$PWD) reaches WORKDIR"
expect_rc 0 "host PWD" R -e PWD=/ "$APP"
assert_contains "env PWD=/
cwd" "$(cat "$E2E_TMP/out")" "the host's PWD wins"
assert_not_contains "PWD=/app" "$(cat "$E2E_TMP/out")" "one PWD only"
W pack "$BASE" -o "$E2E_TMP/own-pwd.wasm" --layer "$l1" --env PWD=/etc --workdir /app >/dev/null
expect_rc 0 "ENV PWD" R "$E2E_TMP/own-pwd.wasm"
assert_eq "env PWD=/etc
cwd /" "$(cat "$E2E_TMP/out")" "an image's ENV PWD wins over WORKDIR"
W pack "$BASE" -o "$E2E_TMP/no-workdir.wasm" --layer "$l1" >/dev/null
expect_rc 0 "no WORKDIR" R "$E2E_TMP/no-workdir.wasm"
assert_eq "cwd /" "$(cat "$E2E_TMP/out")" "no WORKDIR: no PWD"

# --- wimg run IMAGE ----------------------------------------------------------
W image create -t img:1 --base "$BASE" --layer "$l1" --env A=img >/dev/null
expect_rc 0 "run IMAGE" R img:1 one
assert_eq "arg one
env A=img
cwd /" "$(cat "$E2E_TMP/out")" "run of a store image"
cached=$(find "$S/cache/run" -name '*.wasm')
[[ $(wc -l <<<"$cached") == 1 ]] || fail "expected one rendered module in cache/run, got: $cached"
before=$(stat -c '%i %Y' "$cached")
expect_rc 0 "run IMAGE again" R img:1
assert_eq "$before" "$(stat -c '%i %Y' "$cached")" "the second run uses the cached module"
expect_rc 4 "run of a missing image" R nosuch:1
assert_contains "no such image" "$(cat "$E2E_TMP/err")" "missing image"
expect_rc 4 "run of a missing file" R "$E2E_TMP/missing.wasm"
assert_contains "no such image or packed .wasm file" "$(cat "$E2E_TMP/err")" "missing .wasm"
expect_rc 3 "run of an unpacked module" R "$BASE"
assert_contains "$BASE" "$(cat "$E2E_TMP/err")" "the error names the file"

# --- errors ------------------------------------------------------------------
expect_rc 4 "no host at all" env PATH="$E2E_TMP/empty" "$WIMG" --store "$S" run "$APP"
err=$(cat "$E2E_TMP/err")
assert_contains "no WASI host found" "$err" "missing host"
assert_contains "wasmtime: not on PATH" "$err" "the error lists what was tried"
assert_contains "WIMG_NODE: not set" "$err" "the error lists what was tried"
assert_contains "--host" "$err" "the error says how to fix it"
# An old node is named with its version.
cat >"$E2E_TMP/oldnode" <<'SH'
#!/bin/sh
echo v20.1.0
SH
chmod +x "$E2E_TMP/oldnode"
WIMG_NODE=$E2E_TMP/oldnode expect_rc 4 "old node" env PATH="$E2E_TMP/empty" "$WIMG" --store "$S" run "$APP"
assert_contains "v20.1.0, needs >= 24" "$(cat "$E2E_TMP/err")" "old node named"
expect_rc 4 "--host wasmtime missing" R --host wasmtime "$APP"
assert_contains "wasmtime is not on PATH" "$(cat "$E2E_TMP/err")" "--host names the missing host"
expect_rc 2 "--host unknown" R --host docker "$APP"
expect_rc 2 "bad -e" R -e =x "$APP"
expect_rc 4 "--dir missing" R --dir "$E2E_TMP/nope::/x" "$APP"
assert_contains "$E2E_TMP/nope" "$(cat "$E2E_TMP/err")" "--dir error names the path"
expect_rc 2 "no IMAGE" R

# --- wimg history FILE.wasm ----------------------------------------------------
mkdir -p "$E2E_TMP/t2/etc"
echo two >"$E2E_TMP/t2/etc/two"
l2=$(wimg_add "$S" "$E2E_TMP/t2")
W image create -t hist:1 --base "$BASE" --layer "$l1" --layer "$l2" >/dev/null
W pack "$BASE" -o "$E2E_TMP/hist.wasm" --layer "$l1" --layer "$l2" >/dev/null
for flags in "" "--no-trunc" "--json"; do
  # shellcheck disable=SC2086
  assert_eq "$(W history $flags hist:1)" "$(W history $flags "$E2E_TMP/hist.wasm")" "history $flags of IMAGE vs FILE"
done
hist=$(W history "$E2E_TMP/hist.wasm")
assert_contains "${l2:7:12}" "$hist" "history lists the top layer"
assert_contains "base wasm" "$hist" "history lists the base"
# The module `run` rendered from img:1 carries img:1's history.
assert_eq "$(W history --json img:1)" "$(W history --json "$cached")" "history of the rendered module"
expect_rc 4 "history of a missing file" W history "$E2E_TMP/missing.wasm"
expect_rc 3 "history of an unpacked module" W history "$BASE"

# prune keeps the rendered module of a named image and drops it with the name.
W prune >/dev/null
[[ -f "$cached" ]] || fail "prune removed the rendered module of a named image"
W rmi img:1 >/dev/null
W prune >/dev/null
[[ ! -e "$cached" ]] || fail "prune kept the rendered module of a removed image"

note "ok"
