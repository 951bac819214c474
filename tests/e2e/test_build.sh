#!/usr/bin/env bash
# wimg build: a C guest built FROM a .wasm in the context sees the ENV,
# ENTRYPOINT, CMD and files of its Wasmfile under node; multi-stage COPY
# --from; .wimgignore; FROM a store image adds no objects; the cache matrix
# (mtime never invalidates, a changed file rebuilds its step and the later
# ones, --no-cache rebuilds all); byte-identical outputs; bad inputs leave
# no output and the refs unchanged.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_build
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
source "$(dirname "$0")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
RUNNER=$SRC/runtime/runner/wasi-run.mjs
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (scripts/setup)"
command -v clang-19 >/dev/null || fail "clang-19 is required"

# The guest: prints argv, its environment and the files named in argv.
C=$E2E_TMP/ctx
mkdir -p "$C/app/lib" "$C/conf"
cat >"$E2E_TMP/show.c" <<'EOF'
#include <stdio.h>
#include <string.h>
extern char **environ;
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "APP_", 4) == 0) printf("env %s\n", *e);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '/') continue;
    FILE *f = fopen(argv[i], "r");
    if (!f) { printf("file %s missing\n", argv[i]); continue; }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("file %s %s", argv[i], buf);
  }
  return 0;
}
EOF
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$E2E_TMP/show.c" -o "$C/show.wasm"
echo "main" >"$C/app/main.rb"
echo "lib" >"$C/app/lib/x.rb"
echo "secret" >"$C/app/secret.key"
echo "debug" >"$C/app/debug.log"
echo "conf" >"$C/conf/app.conf"
printf 'app/*.key\n**/*.log\n' >"$C/.wimgignore"
cat >"$C/Wasmfile" <<'EOF'
ARG GREETING=hello
FROM show.wasm AS base
ARG GREETING
ENV APP_GREETING=${GREETING} APP_MODE=prod
COPY app /app
COPY conf/*.conf /etc/app/
WORKDIR /app
LABEL org.example.name=show
ENTRYPOINT ["show"]
CMD ["/app/main.rb", "/etc/app/app.conf", "/app/secret.key"]
EOF

# --- build and run ----------------------------------------------------------
W build -t show:1 -o "$E2E_TMP/show1.wasm" --build-arg GREETING=bonjour "$C" >"$E2E_TMP/b1"
b1=$(cat "$E2E_TMP/b1")
assert_contains "[1/9] FROM show.wasm AS base" "$b1" "progress names FROM"
assert_contains "[4/9] COPY app /app  " "$b1" "progress names COPY"
assert_contains "ENV APP_GREETING=bonjour APP_MODE=prod" "$b1" "ENV after substitution"
assert_contains "tagged show:1" "$b1" "tag line"
assert_contains "wrote $E2E_TMP/show1.wasm" "$b1" "output line"
run=$("$NODE" "$RUNNER" "$E2E_TMP/show1.wasm")
assert_contains "env APP_GREETING=bonjour" "$run" "guest sees ENV"
assert_contains "env APP_MODE=prod" "$run" "guest sees ENV"
assert_contains "arg show
arg /app/main.rb
arg /etc/app/app.conf" "$run" "guest argv = ENTRYPOINT + CMD"
assert_contains "file /app/main.rb main" "$run" "guest reads a COPY'd file"
assert_contains "file /etc/app/app.conf conf" "$run" "guest reads a glob-COPY'd file"
assert_contains "file /app/secret.key missing" "$run" ".wimgignore keeps a file out"
# Run-time arguments replace CMD (Docker's rule).
run=$("$NODE" "$RUNNER" "$E2E_TMP/show1.wasm" /app/lib/x.rb)
assert_contains "file /app/lib/x.rb lib" "$run" "run-time args replace CMD"
assert_not_contains "main.rb" "$run" "run-time args replace CMD"
assert_eq "$(W ls -R show:1 /app)" "/app/lib
/app/lib/x.rb
/app/main.rb" ".wimgignore: no *.key, no **/*.log"
hist=$(W history show:1 --no-trunc)
assert_contains "LABEL org.example.name=show" "$hist" "history has the LABEL (no layer)"
assert_contains "COPY conf/*.conf /etc/app/" "$hist" "history has the COPY"
verify_clean "$S" "after the first build"

# --- reproducible: same inputs, same bytes (another store too) --------------
W build -o "$E2E_TMP/show2.wasm" --build-arg GREETING=bonjour "$C" >/dev/null
cmp "$E2E_TMP/show1.wasm" "$E2E_TMP/show2.wasm" || fail "two builds of the same inputs differ"
"$WIMG" --store "$E2E_TMP/store2" build -o "$E2E_TMP/show3.wasm" --build-arg GREETING=bonjour "$C" >/dev/null
cmp "$E2E_TMP/show1.wasm" "$E2E_TMP/show3.wasm" || fail "a build in a fresh store differs"
SOURCE_DATE_EPOCH=1700000000 W build -o "$E2E_TMP/sde.wasm" --build-arg GREETING=bonjour "$C" >/dev/null
assert_contains "Created:    1700000000" "$(W inspect "$E2E_TMP/sde.wasm")" "SOURCE_DATE_EPOCH is the created time"

# --- cache matrix -----------------------------------------------------------
M=$E2E_TMP/matrix
mkdir -p "$M/one" "$M/two" "$M/three"
cp "$C/show.wasm" "$M/"
echo 1 >"$M/one/f"
echo 2 >"$M/two/f"
echo 3 >"$M/three/f"
printf 'FROM show.wasm\nCOPY one /one\nCOPY two /two\nCOPY three /three\n' >"$M/Wasmfile"
W build -o "$E2E_TMP/m1.wasm" "$M" >"$E2E_TMP/out"
# The base has the content of the one built above: its check is cached.
assert_eq "[1/4] FROM show.wasm  CACHED" "$(grep CACHED "$E2E_TMP/out")" "first build: only the known base cached"
touch -d '2001-01-01' "$M"/one/f "$M"/two/f "$M"/three/f "$M"/show.wasm
W build -o "$E2E_TMP/m2.wasm" "$M" >"$E2E_TMP/out"
assert_eq 4 "$(grep -c '  CACHED$' "$E2E_TMP/out")" "touched mtimes: every step cached"
cmp "$E2E_TMP/m1.wasm" "$E2E_TMP/m2.wasm" || fail "touched mtimes changed the output"
echo "2 changed" >"$M/two/f"
W build -o "$E2E_TMP/m3.wasm" "$M" >"$E2E_TMP/out"
out=$(cat "$E2E_TMP/out")
assert_contains "[1/4] FROM show.wasm  CACHED" "$out" "step 1 cached"
assert_contains "[2/4] COPY one /one  CACHED" "$out" "step 2 (before the change) cached"
assert_match '.*\[3/4\] COPY two /two  [0-9.]+ ms.*' "$(tr '\n' ' ' <<<"$out")" "step 3 (changed) rebuilt"
assert_match '.*\[4/4\] COPY three /three  [0-9.]+ ms.*' "$(tr '\n' ' ' <<<"$out")" "step 4 (after) rebuilt"
W build --no-cache -o "$E2E_TMP/m4.wasm" "$M" >"$E2E_TMP/out"
assert_eq 0 "$(grep -c CACHED "$E2E_TMP/out" || true)" "--no-cache: nothing cached"
cmp "$E2E_TMP/m3.wasm" "$E2E_TMP/m4.wasm" || fail "--no-cache changed the output"
W build --progress json "$M" >"$E2E_TMP/out"
"$E2E_PY" - "$E2E_TMP/out" <<'PY' || fail "--progress json is not one object per line"
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
assert [e["event"] for e in events] == ["step"] * 4 + ["image"], events
assert all(e["cached"] for e in events[:4]), events
PY

# --- the stat cache keeps what hit ------------------------------------------
# A rebuild after an edit re-saves the stat cache; the FROM file and a
# single-file COPY that hit must stay in it, or every other rebuild reads
# and hashes the whole interpreter again (it did). Files older than the
# cache's 2 s racy window are recorded; the edited one is not (it is new).
SC=$E2E_TMP/statcache
mkdir -p "$SC/two"
cp "$C/show.wasm" "$SC/"
echo single >"$SC/single.txt"
echo 2 >"$SC/two/f"
printf 'FROM show.wasm\nCOPY single.txt /s.txt\nCOPY two /two\n' >"$SC/Wasmfile"
sleep 2.2
W build -o "$E2E_TMP/sc.wasm" "$SC" >/dev/null
for edit in 1 2; do
  echo "edit $edit" >"$SC/two/f"
  for f in show.wasm single.txt; do
    read -r rc opens < <(opens_during "$SC/$f" "$WIMG" --store "$S" build -o "$E2E_TMP/sc.wasm" "$SC")
    assert_eq 0 "$rc" "rebuild after edit $edit"
    assert_eq 0 "$opens" "opens of $f in rebuild $edit after an edit (its stat cache entry was dropped)"
    echo "edit $edit again" >"$SC/two/f"
  done
done
read -r rc opens < <(opens_during "$SC/two/f" "$WIMG" --store "$S" build -o "$E2E_TMP/sc.wasm" "$SC")
(( opens > 0 )) || fail "the edited file was never opened (the count is not counting)"

# --- multi-stage, COPY --from a stage and an image, ADD, MOUNT ---------------
mkdir -p "$C/pkg/data"
echo "packed" >"$C/pkg/data/p.txt"
tar -C "$C/pkg" -czf "$C/pkg.tgz" data
cat >"$C/Wasmfile.multi" <<'EOF'
FROM show.wasm AS builder
COPY app/lib /out/lib
ADD pkg.tgz /out/
FROM show:1
COPY --from=builder /out/ /opt/
COPY --from=show:1 /etc/app/app.conf /opt/conf
MOUNT /opt/data
ENTRYPOINT ["show", "/opt/lib/x.rb"]
EOF
W build -f "$C/Wasmfile.multi" -t multi:1 -o "$E2E_TMP/multi.wasm" "$C" >/dev/null
run=$("$NODE" "$RUNNER" "$E2E_TMP/multi.wasm" /opt/data/p.txt /opt/conf)
assert_contains "env APP_GREETING=bonjour" "$run" "FROM an image inherits its ENV"
assert_contains "file /opt/lib/x.rb lib" "$run" "COPY --from a stage"
assert_contains "file /opt/data/p.txt packed" "$run" "ADD extracted the archive"
assert_contains "file /opt/conf conf" "$run" "COPY --from an image"
run=$("$NODE" "$RUNNER" "$E2E_TMP/multi.wasm")
assert_not_contains "main.rb" "$run" "ENTRYPOINT in a later stage resets the inherited CMD"
assert_contains '"/opt/data"' "$(W inspect "$E2E_TMP/multi.wasm")" "MOUNT is a preopen"

# --- Docker's rule: a file COPYed to an existing directory goes inside it ----
cat >"$C/Wasmfile.intodir" <<'EOF'
FROM show.wasm
COPY pkg/data /opt/data/
COPY pkg.tgz /opt/data
COPY pkg.tgz /opt/file
EOF
W build -f "$C/Wasmfile.intodir" -t intodir:1 "$C" >/dev/null
listing=$(W ls -R intodir:1 /opt)
assert_contains "/opt/data/pkg.tgz" "$listing" "COPY into an existing directory"
assert_contains "/opt/data/p.txt" "$listing" "the directory keeps its files"
assert_contains "/opt/file" "$listing" "COPY to a new name"
W rmi intodir:1 >/dev/null

# --- FROM a store image shares its objects ------------------------------------
printf 'FROM show:1\n' >"$E2E_TMP/Wasmfile.same"
before=$(count_objects "$S")
W build -f "$E2E_TMP/Wasmfile.same" -t same:1 "$C" >/dev/null
assert_eq "$before" "$(count_objects "$S")" "FROM an image alone adds no object"
printf 'FROM show:1\nENV APP_X=1\nCMD ["/app/main.rb"]\n' >"$E2E_TMP/Wasmfile.env"
W build -f "$E2E_TMP/Wasmfile.env" "$C" >/dev/null
assert_eq "$((before + 1))" "$(count_objects "$S")" "FROM an image + ENV adds only the manifest"

# --- bad input: nothing written, refs unchanged --------------------------------
cp "$S/refs.json" "$E2E_TMP/refs.before"
ln -s /etc/passwd "$C/escape"
echo "not wasm" >"$C/fake.wasm"
cp "$E2E_TMP/show1.wasm" "$C/packed.wasm"
bad() {  # bad RC NEEDLE WASMFILE-TEXT
  local rc=$1 needle=$2
  printf '%b' "$3" >"$C/Wasmfile.bad"
  rm -f "$E2E_TMP/bad.wasm"
  expect_rc "$rc" "$3" W build -f "$C/Wasmfile.bad" -t bad:1 -o "$E2E_TMP/bad.wasm" "$C"
  assert_contains "$needle" "$(cat "$E2E_TMP/err")" "error of: $3"
  [[ ! -e "$E2E_TMP/bad.wasm" ]] || fail "$3: wrote an output"
  cmp -s "$S/refs.json" "$E2E_TMP/refs.before" || fail "$3: the refs changed"
}
bad 4 "Wasmfile.bad:2: COPY: app/missing.rb: no such file" 'FROM show.wasm\nCOPY app/missing.rb /x\n'
bad 3 "Wasmfile.bad:3: COPY: ../outside: is outside the build context" 'FROM show.wasm\nENV A=1\nCOPY ../outside /x\n'
bad 3 "Wasmfile.bad:2: COPY: escape: a symlink leads outside the build context" 'FROM show.wasm\nCOPY escape /x\n'
bad 3 "Wasmfile.bad:1: FROM fake.wasm: not a WebAssembly module" 'FROM fake.wasm\n'
bad 3 "Wasmfile.bad:1: FROM packed.wasm: is already a packed image; use its base instead" 'FROM packed.wasm\n'
bad 3 "Wasmfile.bad:1: FROM ../show.wasm: is outside the build context" 'FROM ../show.wasm\n'
bad 4 "Wasmfile.bad:1: FROM nosuch:1: no such image" 'FROM nosuch:1\n'
bad 3 "defined later" 'FROM b AS a\nFROM show.wasm AS b\n'
bad 4 "Wasmfile.bad:2: MOUNT /nodir: no such directory" 'FROM show.wasm\nMOUNT /nodir\n'
bad 3 "Wasmfile.bad:3: VOLUME /f: is a file in the image" 'FROM show.wasm\nCOPY app/main.rb /f\nVOLUME /f/x\n'
bad 3 "Wasmfile.bad:2:5: RUN takes no flags" 'FROM show.wasm\nRUN --network=none make\n'
# A parse error says "error" once, in wimg's prefix; a warning "warning" once.
bad 3 "Wasmfile.bad:2:1: unknown instruction" 'FROM show.wasm\nCOPPY a /b\n'
assert_eq "wimg: error: $C/Wasmfile.bad:2:1: unknown instruction \"COPPY\" (did you mean COPY?)" \
  "$(head -n 1 "$E2E_TMP/err")" "the first line of a parse error"
assert_eq 1 "$(grep -c error "$E2E_TMP/err")" "lines of a parse error saying error"
printf 'ARG V=1\nFROM show.wasm\nENV X=$V\n' >"$C/Wasmfile.warn"
expect_rc 0 "a build with warnings" W build -f "$C/Wasmfile.warn" --build-arg NOPE=1 "$C"
assert_contains "wimg: warning: $C/Wasmfile.warn:3:1: \$V is a global ARG" "$(cat "$E2E_TMP/err")" "a positioned warning"
assert_contains 'wimg: warning: build arg "NOPE" was not consumed' "$(cat "$E2E_TMP/err")" "an unconsumed build arg"
assert_eq 0 "$(grep -c 'warning: .*warning' "$E2E_TMP/err")" "lines saying warning twice"
expect_rc 4 "missing Wasmfile" W build -f "$C/Nope" -o "$E2E_TMP/bad.wasm" "$C"
assert_contains "cannot read the Wasmfile" "$(cat "$E2E_TMP/err")" "missing Wasmfile"
if [[ $(id -u) != 0 ]]; then
  cp "$C/Wasmfile" "$C/Wasmfile.unreadable"
  chmod 000 "$C/Wasmfile.unreadable"
  expect_rc 6 "unreadable Wasmfile" W build -f "$C/Wasmfile.unreadable" -o "$E2E_TMP/bad.wasm" "$C"
  assert_contains "Wasmfile.unreadable" "$(cat "$E2E_TMP/err")" "unreadable Wasmfile"
fi
# Unreadable for root too: a directory where the Wasmfile should be.
mkdir -p "$C/Wasmfile.dir"
W build -f "$C/Wasmfile.dir" -o "$E2E_TMP/bad.wasm" "$C" >/dev/null 2>"$E2E_TMP/err" && fail "a directory as Wasmfile was accepted"
assert_contains "Wasmfile.dir" "$(cat "$E2E_TMP/err")" "directory as Wasmfile"
rmdir "$C/Wasmfile.dir"
[[ ! -e "$E2E_TMP/bad.wasm" ]] || fail "a failed build wrote an output"
cmp -s "$S/refs.json" "$E2E_TMP/refs.before" || fail "a failed build changed the refs"
verify_clean "$S" "after the failed builds"

# --- prune keeps the cache of reachable layers only ----------------------------
W rmi multi:1 same:1 >/dev/null
W prune >/dev/null
W build -t show:1 --build-arg GREETING=bonjour "$C" >"$E2E_TMP/out"
assert_contains "COPY app /app  CACHED" "$(cat "$E2E_TMP/out")" "a named image's steps stay cached after prune"
W build -f "$C/Wasmfile.multi" "$C" >"$E2E_TMP/out"
assert_not_contains "COPY app/lib /out/lib  CACHED" "$(cat "$E2E_TMP/out")" "pruned steps are rebuilt"
verify_clean "$S" "at the end"
note ok
