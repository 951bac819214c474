#!/usr/bin/env bash
# test_uwasi.sh: the guest conformance programs (tests/guest), packed with
# the fixture tree, under a third JavaScript WASI host: uwasi (npm), which
# has no file system and no sockets (ctest hosts.uwasi).
#
# For each case the packed module runs under node 24 (runtime/runner/
# wasi-run.mjs) and under uwasi (uwasi-run.mjs) with the same arguments
# and variables and no host directory; stdout and the exit code must be
# identical, stderr empty under uwasi. This is what an image is for: its
# files come from inside the binary, whatever the host lacks. It also
# checks that a packed module imports no WASI function its input did not,
# beyond the few the runtime needs itself (docs/FORMATS.md, "Host
# imports"): uwasi refuses to link a module importing sock_accept.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_SCRIPT=test_uwasi.sh
# shellcheck source=../guest/lib.sh
source "$HERE/../guest/lib.sh"
: "${WIMG:?set WIMG to the wimg binary}"
UWASI=$HERE/uwasi-run.mjs
[[ -f "$RUBY_MODULES/uwasi/package.json" ]] || die "no uwasi in tools/ruby (run scripts/setup)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wimg-uwasi.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export WIMG_STORE=$WORK/store
mkdir -p "$WORK/base" "$WORK/packed" "$WORK/layer" "$WORK/out"
G=$SRC/tests/guest
build_guests "$WORK/base" "$G/read_files.c" "$G/stat_walk.c" "$G/symlinks.c" "$G/errno_cases.c" \
  "$G/args_env.c" "$G/packed_only/upper.c"
bash "$G/make_fixture.sh" "$WORK/layer/data"

# The imports a packed module may add to its input's: what the runtime
# itself calls whatever the guest does (FORMATS.md, "Host imports").
RUNTIME_OWN="args_get args_sizes_get clock_time_get environ_get environ_sizes_get fd_close fd_prestat_dir_name fd_prestat_get path_filestat_get path_readlink"
imports() { wasm-objdump -x -j Import "$1" | sed -n 's/.*<- wasi_snapshot_preview1\.\([a-z_0-9]*\).*/\1/p' | sort -u; }

fails=0
for prog in read_files stat_walk symlinks errno_cases args_env upper; do
  "$WIMG" pack "$WORK/base/$prog.wasm" -o "$WORK/packed/$prog.wasm" --layer "$WORK/layer" --mount /data \
    >/dev/null || die "wimg pack $prog failed"
  extra=$(comm -13 <(imports "$WORK/base/$prog.wasm") <(imports "$WORK/packed/$prog.wasm") |
    grep -vxF -f <(tr ' ' '\n' <<<"$RUNTIME_OWN") || true)
  if [[ -n $extra ]]; then
    echo "test_uwasi: packed $prog imports more than its input and the runtime's own: $extra" >&2
    fails=$((fails + 1))
  fi
done

# case NAME PROG [--env K=V]... -- ARGS...
case_() {
  local name=$1 prog=$2
  shift 2
  local opts=() rc_n=0 rc_u=0
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  (cd "$WORK/packed" && "$NODE" "$RUNNER" "${opts[@]}" -- "$prog.wasm" "$@") \
    >"$WORK/out/$name.node" 2>"$WORK/out/$name.node.err" </dev/null || rc_n=$?
  (cd "$WORK/packed" && "$NODE" "$UWASI" "${opts[@]}" -- "$prog.wasm" "$@") \
    >"$WORK/out/$name.uwasi" 2>"$WORK/out/$name.uwasi.err" </dev/null || rc_u=$?
  local why=
  [[ $rc_n -eq $rc_u ]] || why="exit $rc_u under uwasi, $rc_n under node"
  [[ -n $why ]] || cmp -s "$WORK/out/$name.node" "$WORK/out/$name.uwasi" || why="stdout differs"
  [[ -n $why || ! -s "$WORK/out/$name.uwasi.err" ]] || why="stderr under uwasi is not empty"
  [[ -s "$WORK/out/$name.node" ]] || why="no output under node (the comparison would prove nothing)"
  if [[ -n $why ]]; then
    echo "test_uwasi: $name: $why" >&2
    diff -u "$WORK/out/$name.node" "$WORK/out/$name.uwasi" | head -n 30 >&2 || true
    head -c 2000 "$WORK/out/$name.uwasi.err" >&2
    fails=$((fails + 1))
  else
    echo "test_uwasi: $name: identical ($(wc -l <"$WORK/out/$name.node") lines, exit $rc_n)"
  fi
}
case_ read_files read_files -- /data
case_ stat_walk stat_walk -- /data
case_ symlinks symlinks -- /data
case_ errno_cases errno_cases -- /data
case_ args_env args_env --env GREETING=hello --env "UTF8=ünï" -- "a b" "" "ünï"
case_ upper upper --env WIMG_UPPER=4194304 --
((fails == 0)) || die "$fails case(s) failed"
echo "test_uwasi: all cases identical under node and uwasi"
