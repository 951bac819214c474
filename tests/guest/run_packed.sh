#!/usr/bin/env bash
# run_packed.sh WIMG [BUILD_DIR [OUT_DIR]]: the embedded side of the
# differential test. Builds every guest program, packs each with `wimg pack`
# onto itself with the fixture tree as a layer at /data (plus `--mount /data`
# so that, as under node, /data is a preopen of its own), and runs the
# packed module under node 24 with the same arguments as run_host.sh, but
# with NO host preopen for /data: the tree is inside the binary. The scratch
# dir of errno_cases_writes stays a host preopen beside the image, and
# args_env runs twice: with runner args/env, and with the same args/env baked
# in at pack time (`--cmd`, `--env`) and none given at run time.
#
# Writes OUT_DIR/<run>.txt / .stderr / .exit like run_host.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_SCRIPT=run_packed.sh
# shellcheck source=lib.sh
source "$HERE/lib.sh"
WIMG=${1:?usage: run_packed.sh WIMG [BUILD_DIR [OUT_DIR]]}
[[ -x "$WIMG" ]] || die "no wimg at $WIMG"

BUILD=${2:-$(mktemp -d "${TMPDIR:-/tmp}/wimg-packed.XXXXXX")}
mkdir -p "$BUILD/base" "$BUILD/packed"
BUILD=$(cd "$BUILD" && pwd)
OUT=${3:-$BUILD/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export WIMG_STORE=$BUILD/store

build_guests "$BUILD/base" "$HERE"/*.c "$HERE/packed_only/extra.c" "$HERE/packed_only/upper.c"

WORK=$BUILD/work
rm -rf "$WORK"
mkdir -p "$WORK/scratch" "$WORK/layer"
bash "$HERE/make_fixture.sh" "$WORK/layer/data"

# pack PROG OUTNAME [pack options...]
pack() {
  local prog=$1 out=$2
  shift 2
  "$WIMG" pack "$BUILD/base/$prog.wasm" -o "$BUILD/packed/$out.wasm" --layer "$WORK/layer" --mount /data "$@" \
    >/dev/null || die "wimg pack $prog failed"
}

# run NAME MODULE [runner options...] -- [guest args...]; MODULE is a file
# in packed/, run from there so argv[0] is "<module>.wasm" as on the host.
run() {
  local name=$1 mod=$2
  shift 2
  local rc=0 opts=() args=()
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($#)) && shift
  args=("$@")
  (cd "$BUILD/packed" && "$NODE" "$RUNNER" "${opts[@]}" -- "$mod.wasm" "${args[@]}") \
    >"$OUT/$name.txt" 2>"$OUT/$name.stderr" || rc=$?
  echo "$rc" >"$OUT/$name.exit"
}

for prog in read_files stat_walk symlinks errno_cases stdio extra upper; do pack "$prog" "$prog"; done
run read_files read_files -- /data
run stat_walk stat_walk -- /data
run symlinks symlinks -- /data
run errno_cases errno_cases -- /data
run errno_cases_writes errno_cases --dir "$WORK/scratch::/scratch" -- /data writes /scratch
# The read-only cases with --read-only's setting (the upper layer off):
# as a read-only host mount.
run errno_cases_rofs errno_cases --env WIMG_UPPER=ro -- /data rofs
run stdio stdio --
run extra extra --env WIMG_UPPER=ro --
# The writes again, into the image's writable upper layer: /scratch is an
# empty dir of the image (a second layer) and there is no host dir at all;
# compared with the host run on a host scratch dir.
mkdir -p "$WORK/uplayer/scratch"
pack errno_cases errno_cases_up --layer "$WORK/uplayer"
mkdir -p "$BUILD/packed/up"
mv "$BUILD/packed/errno_cases_up.wasm" "$BUILD/packed/up/errno_cases.wasm"
run errno_cases_upper up/errno_cases -- /data writes /scratch
# The upper layer's own cases (cap, region moves, EFAULT...) with a 4 MiB cap.
run upper upper --env WIMG_UPPER=4194304 --

pack args_env args_env
run args_env args_env --env GREETING=hello --env EMPTY= --env "UTF8=ünï" --env "EQ=a=b" \
  -- "a b" "" "ünï" --dir -x
# Baked: the same arguments and variables, given at pack time only. The
# module must keep the name args_env.wasm (argv[0]), so it gets its own dir.
mkdir -p "$BUILD/packed/baked"
"$WIMG" pack "$BUILD/base/args_env.wasm" -o "$BUILD/packed/baked/args_env.wasm" --layer "$WORK/layer" \
  --env GREETING=hello --env EMPTY= --env "UTF8=ünï" --env "EQ=a=b" \
  --cmd="a b" --cmd= --cmd="ünï" --cmd=--dir --cmd=-x >/dev/null ||
  die "wimg pack args_env (baked) failed"
rc=0
(cd "$BUILD/packed/baked" && "$NODE" "$RUNNER" -- args_env.wasm) >"$OUT/args_env_baked.txt" \
  2>"$OUT/args_env_baked.stderr" || rc=$?
echo "$rc" >"$OUT/args_env_baked.exit"

echo "run_packed.sh: transcripts in $OUT"
