#!/usr/bin/env bash
# test_memory.sh: memory robustness of packed modules (tests/memory/README.md).
#
# Builds the guests (clang-19 + Debian's wasi-libc, wat2wasm), runs each
# UNMODIFIED under node 24 (runtime/runner/wasi-run.mjs, which also serves
# imported memories) with the fixture preopened at /data,
# which proves the programs and records their transcripts, then packs each
# with one small layer holding the same fixture at /data
# (`wimg pack X.wasm -o X.packed.wasm --layer TREE`) and runs the packed
# module with NO host preopens: stdout and exit code must be identical.
# The shared-memory modules must be refused by pack: nonzero exit, an error
# mentioning "shared", and no output file.
#
# Env: WIMG (the wimg binary, required), WIMG_NODE
# (node >= 24), WASI_CC (clang-19), WASI_SYSROOT (/usr), E2E_KEEP=1 keeps
# the work dir.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
RUNNER=$SRC/runtime/runner/wasi-run.mjs
CC=${WASI_CC:-clang-19}
SYSROOT=${WASI_SYSROOT:-/usr}

# fail, the WIMG check, the work dir with its cleanup trap and the private
# copy of the binary: the e2e helpers.
# shellcheck source=../e2e/lib.sh
source "$SRC/tests/e2e/lib.sh"
e2e_init test_memory
WORK=$E2E_TMP
[[ -x "$NODE" ]] || fail "no node at $NODE (run scripts/setup)"
command -v "$CC" >/dev/null || fail "no $CC (run scripts/setup)"
command -v wat2wasm >/dev/null || fail "no wat2wasm (wabt; run scripts/setup)"
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# --- build -------------------------------------------------------------------
t=$(date +%s%N)
CFLAGS=(--target=wasm32-wasi --sysroot="$SYSROOT" -O2 -Wall -Wextra -Werror -I"$HERE")
pids=()
"$CC" "${CFLAGS[@]}" "$HERE/churn.c" -o "$WORK/churn.wasm" & pids+=($!)
"$CC" "${CFLAGS[@]}" "$HERE/bump.c" -o "$WORK/bump.wasm" & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "compiling failed (see above)"; done
pids=()
"$CC" "${CFLAGS[@]}" -Wl,--max-memory=16777216 "$HERE/declared_max.c" -o "$WORK/declared_max.wasm" & pids+=($!)
"$CC" "${CFLAGS[@]}" -Wl,--import-memory "$HERE/imported_memory.c" -o "$WORK/imported_memory.wasm" & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "compiling failed (see above)"; done
wat2wasm "$HERE/start_grow.wat" -o "$WORK/start_grow.wasm"
wat2wasm --enable-threads "$HERE/shared_memory.wat" -o "$WORK/shared_memory.wasm"
wat2wasm --enable-threads "$HERE/shared_memory_import.wat" -o "$WORK/shared_memory_import.wasm"
echo "test_memory: built 7 modules in $(ms "$t") ms"

# --- the fixture: TREE/data/input.bin (300000 LCG bytes), TREE/data/note.txt
TREE=$WORK/tree
mkdir -p "$TREE/data"
python3 - "$TREE/data/input.bin" <<'PY'
import sys
x, out = 12345, bytearray()
while len(out) < 300000:
    x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
    out += (x >> 32).to_bytes(4, "little")
open(sys.argv[1], "wb").write(bytes(out[:300000]))
PY
echo "memory test fixture" >"$TREE/data/note.txt"

# run NAME DIR MODULE [runner options] --: runs DIR/MODULE with the
# arguments in ARGS from DIR, stdout, stderr and exit code into
# $WORK/NAME.{out,err,rc}. The module is named relatively and has the same
# file name packed or not: argv[0] (which wasi-libc copies into the heap at
# startup) must not differ, or heap layouts and so transcripts could.
run() {
  local name=$1 dir=$2 module=$3
  shift 3
  local rc=0 t
  t=$(date +%s%N)
  (cd "$dir" && "$NODE" "$RUNNER" "$@" "$module" ${ARGS[@]+"${ARGS[@]}"}) \
    >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  echo "test_memory: $name: exit $rc in $(ms "$t") ms"
}
show() { # show NAME: the tail of a run's output for a failure message
  echo "--- $1 stdout (last lines):"; tail -n 5 "$WORK/$1.out"
  echo "--- $1 stderr:"; head -c 2000 "$WORK/$1.err"
}

# --- 1. unmodified runs prove the programs ----------------------------------
PROGS=(churn bump start_grow declared_max imported_memory)
# prog_args P: the guest arguments of program P.
prog_args() { if [[ $1 == start_grow ]]; then ARGS=(); else ARGS=(/data/input.bin); fi; }
for p in "${PROGS[@]}"; do
  prog_args "$p"
  run "$p.host" "$WORK" "$p.wasm" --dir "$TREE/data::/data" --
  [[ $(cat "$WORK/$p.host.rc") == 0 ]] || { show "$p.host" >&2; fail "$p (unmodified) exited $(cat "$WORK/$p.host.rc")"; }
  [[ $(tail -n 1 "$WORK/$p.host.out") == *OK ]] || { show "$p.host" >&2; fail "$p (unmodified) did not end with OK"; }
done
for p in shared_memory shared_memory_import; do
  ARGS=()
  run "$p.host" "$WORK" "$p.wasm" --
  [[ $(cat "$WORK/$p.host.rc") == 0 && $(cat "$WORK/$p.host.out") == "$p: running with "*"shared memory" ]] ||
    { show "$p.host" >&2; fail "$p (unmodified) did not run"; }
done

# --- 2. packed runs must print the same -------------------------------------
failed=()
mkdir -p "$WORK/packed"
for p in "${PROGS[@]}"; do
  prog_args "$p"
  t=$(date +%s%N)
  rc=0
  "$WIMG" --store "$WORK/store" pack "$WORK/$p.wasm" -o "$WORK/packed/$p.wasm" --layer "$TREE" \
    >"$WORK/$p.pack.log" 2>&1 || rc=$?
  if [[ $rc -ne 0 || ! -s "$WORK/packed/$p.wasm" ]]; then
    echo "--- wimg pack $p.wasm exited $rc:" >&2; cat "$WORK/$p.pack.log" >&2
    failed+=("$p: pack exited $rc")
    continue
  fi
  echo "test_memory: pack $p: $(ms "$t") ms, $(stat -c %s "$WORK/packed/$p.wasm") bytes"
  run "$p.packed" "$WORK/packed" "$p.wasm" --
  if ! cmp -s "$WORK/$p.host.out" "$WORK/$p.packed.out" ||
    [[ $(cat "$WORK/$p.host.rc") != "$(cat "$WORK/$p.packed.rc")" ]]; then
    {
      echo "--- $p: unmodified exit $(cat "$WORK/$p.host.rc"), packed exit $(cat "$WORK/$p.packed.rc")"
      diff -u "$WORK/$p.host.out" "$WORK/$p.packed.out" | head -n 40 || true
      echo "--- $p.packed stderr:"; head -c 2000 "$WORK/$p.packed.err"
    } >&2
    failed+=("$p: packed run differs")
    continue
  fi
  if ! cmp -s "$WORK/$p.host.err" "$WORK/$p.packed.err"; then
    echo "test_memory: note: $p: stderr differs (not part of the check):" >&2
    head -c 1000 "$WORK/$p.packed.err" >&2
  fi
done

# --- 3. shared memory: refused, clearly, with no output ----------------------
for p in shared_memory shared_memory_import; do
  out=$WORK/refused/$p.packed.wasm
  mkdir -p "$WORK/refused"
  rc=0
  msg=$("$WIMG" --store "$WORK/store" pack "$WORK/$p.wasm" -o "$out" --layer "$TREE" 2>&1) || rc=$?
  if [[ $rc -eq 0 ]]; then
    failed+=("$p: pack succeeded")
  elif [[ "${msg,,}" != *shared* ]]; then
    failed+=("$p: pack exited $rc, but the error does not mention 'shared': $msg")
  elif [[ -n "$(find "$WORK/refused" -mindepth 1 -print -quit)" ]]; then
    failed+=("$p: pack failed but left files: $(find "$WORK/refused" -mindepth 1 -printf '%f ')")
  else
    echo "test_memory: $p: refused (exit $rc): $msg"
  fi
done

if ((${#failed[@]})); then
  printf 'FAIL: test_memory: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test_memory: OK"
