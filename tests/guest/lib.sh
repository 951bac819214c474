# shellcheck shell=bash
# Shared by run_host.sh and run_packed.sh (sourced): the tool locations and
# the parallel build of the guest programs.
#
#   GUEST_SCRIPT=name.sh; source "$HERE/lib.sh"
#
# Paths: scripts/lib/paths.sh. Overridable: WIMG_NODE (node >= 24), WASI_CC
# (clang-19), WASI_SYSROOT (/usr).

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
CC=${WASI_CC:-clang-19}
SYSROOT=${WASI_SYSROOT:-/usr}
RUNNER=$SRC/runtime/runner/wasi-run.mjs

die() { echo "$GUEST_SCRIPT: $*" >&2; exit 1; }
[[ -x "$NODE" ]] || die "no node at $NODE (run scripts/setup, or set WIMG_NODE)"
major=$("$NODE" -p 'process.versions.node.split(".")[0]')
((major >= 24)) || die "$NODE is node $major; need >= 24 (node 20 crashes under WASI memory growth)"
command -v "$CC" >/dev/null || die "no $CC (run scripts/setup, or set WASI_CC)"
[[ -f "$RUNNER" ]] || die "no runner at $RUNNER"

# build_guests OUT_DIR SOURCE.c...: compiles each (in parallel: clang is
# most of the run time) to OUT_DIR/<name>.wasm; warnings are errors, so every
# program stays -Wall -Wextra clean.
build_guests() {
  local out=$1 c pids=() p
  shift
  for c in "$@"; do
    "$CC" --target=wasm32-wasi --sysroot="$SYSROOT" -O2 -Wall -Wextra -Werror \
      -I"$HERE" "$c" -o "$out/$(basename "$c" .c).wasm" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "compiling a guest program failed (see above)"; done
}
