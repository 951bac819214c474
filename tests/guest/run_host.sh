#!/usr/bin/env bash
# run_host.sh [BUILD_DIR [OUT_DIR]]: builds every guest program and runs it
# under node 24's WASI (runtime/runner/wasi-run.mjs) over a fresh fixture
# preopened at /data, writing one transcript set per run into OUT_DIR:
#
#   OUT_DIR/<run>.txt      the guest's stdout
#   OUT_DIR/<run>.stderr   its stderr
#   OUT_DIR/<run>.exit     its exit code
#
# BUILD_DIR (default: a new temp dir) gets the .wasm files and work/ (the
# fixture and the scratch dir, recreated on every run); OUT_DIR defaults to
# BUILD_DIR/out. Modules run with BUILD_DIR as the working directory and are
# named relatively, so argv[0] is just "<prog>.wasm" and the transcripts do
# not depend on where BUILD_DIR is.
#
# Paths: scripts/lib/paths.sh. Overridable: WIMG_NODE (node >= 24), WASI_CC
# (clang-19), WASI_SYSROOT (/usr).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_SCRIPT=run_host.sh
# shellcheck source=lib.sh
source "$HERE/lib.sh"

BUILD=${1:-$(mktemp -d "${TMPDIR:-/tmp}/wimg-guest.XXXXXX")}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
OUT=${2:-$BUILD/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

build_guests "$BUILD" "$HERE"/*.c

# A fresh fixture and an empty scratch dir every time: errno_cases writes.
WORK=$BUILD/work
rm -rf "$WORK"
mkdir -p "$WORK/scratch"
bash "$HERE/make_fixture.sh" "$WORK/fixture"

# run NAME PROG [runner options...] -- [guest args...]: runs node under the
# command prefix in WRAP (if any).
WRAP=()
run() {
  local name=$1 prog=$2
  shift 2
  local rc=0
  local opts=() args=()
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  args=("$@")
  (cd "$BUILD" && "${WRAP[@]}" "$NODE" "$RUNNER" "${opts[@]}" -- "$prog.wasm" "${args[@]}") \
    >"$OUT/$name.txt" 2>"$OUT/$name.stderr" || rc=$?
  echo "$rc" >"$OUT/$name.exit"
}

DATA=(--dir "$WORK/fixture::/data")
run read_files read_files "${DATA[@]}" -- /data
run stat_walk stat_walk "${DATA[@]}" -- /data
run symlinks symlinks "${DATA[@]}" -- /data
run errno_cases errno_cases "${DATA[@]}" -- /data
run errno_cases_writes errno_cases "${DATA[@]}" --dir "$WORK/scratch::/scratch" -- /data writes /scratch
run args_env args_env --env GREETING=hello --env EMPTY= --env "UTF8=ünï" --env "EQ=a=b" \
  -- "a b" "" "ünï" --dir -x
run stdio stdio --

# errno_cases rofs needs a read-only tree. As root we get one without
# copying: a read-only bind mount of the fixture inside a private mount
# namespace (unshare -m), which disappears with the namespace and is never
# seen outside it. Probed first on an empty dir; where it is not possible
# (no root, no unshare) the run is skipped and test_host_golden.sh says so.
mkdir -p "$WORK/ro" "$WORK/probe-src" "$WORK/probe-dst"
# shellcheck disable=SC2016 # expanded by the inner sh, not here
BIND_RO='mount --bind -o ro "$0" "$1" && shift && exec "$@"'
# shellcheck disable=SC2016
if unshare -m -- sh -c "$BIND_RO" "$WORK/probe-src" "$WORK/probe-dst" \
  sh -c '! touch "$0/probe" 2>/dev/null' "$WORK/probe-dst" 2>/dev/null; then
  WRAP=(unshare -m -- sh -c "$BIND_RO" "$WORK/fixture" "$WORK/ro")
  run errno_cases_rofs errno_cases --dir "$WORK/ro::/data" -- /data rofs
  WRAP=()
else
  echo "run_host.sh: skipped errno_cases_rofs (no read-only bind mount: needs root and unshare -m)" >&2
fi

echo "run_host.sh: transcripts in $OUT"
