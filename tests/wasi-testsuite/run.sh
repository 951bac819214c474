#!/usr/bin/env bash
# tests/wasi-testsuite/run.sh [CHECKOUT]: runs the WASI preview1 tests of
# WebAssembly/wasi-testsuite (README.md beside this file: pinned commit, how
# to get it) against wimg in three modes and compares each test's exit code
# and stdout with its .json spec:
#   a  `wimg run --dir FIXTURE::/` of the module packed with an empty layer
#      (the fixture is a host directory mounted at the image root)
#   b  `wimg pack MODULE --layer FIXTURE` run with NO host directory (the
#      fixture is the image; writes go to the in-memory upper layer)
#   c  node 24's own WASI (runtime/runner/wasi-run.mjs --dir FIXTURE::/), the
#      baseline
# Every run of a and c gets a fresh copy of the fixture (tests write into it).
# Exit 1 when mode b fails a test that mode c passes.
#
# CHECKOUT (or $WASI_TESTSUITE): a checkout of the suite. Its prebuilt
# binaries (tests/*/testsuite/wasm32-wasip1/*.wasm, branch
# prod/testsuite-base) are used when present; otherwise the C tests are
# built from tests/c/src with clang-19 and Debian's wasi-libc (the Rust and
# AssemblyScript tests need toolchains and crates CI cannot reach).
# No checkout (CI cannot reach GitHub): prints "skipped: ..." and exits
# $WASI_TESTSUITE_SKIP_CODE (default 0; ctest sets its SKIP_RETURN_CODE).
#
# Environment: WIMG (the wimg binary, default `wimg` on PATH),
# WASI_TESTSUITE_FILTER (a bash regex on lang/name), WASI_TESTSUITE_KEEP=1
# (keep the work directory: per test and mode, stdout, stderr and the argv).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/paths.sh"

suite=${1:-${WASI_TESTSUITE:-}}
if [[ -z "$suite" || ! -d "$suite/tests" ]]; then
  echo "skipped: no wasi-testsuite checkout (GitHub is not reachable from CI)"
  exit "${WASI_TESTSUITE_SKIP_CODE:-0}"
fi
suite=$(cd "$suite" && pwd -P)
wimg=${WIMG:-wimg}
command -v "$wimg" >/dev/null || { echo "run.sh: no wimg binary (set WIMG)" >&2; exit 2; }
[[ -x "$NODE" ]] || { echo "run.sh: node 24 missing at $NODE (run scripts/setup)" >&2; exit 2; }
runner=$WIMG_REPO/runtime/runner/wasi-run.mjs
filter=${WASI_TESTSUITE_FILTER:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/wasi-testsuite.XXXXXX")
if [[ "${WASI_TESTSUITE_KEEP:-}" == 1 ]]; then
  echo "work directory (kept): $work"
else
  trap 'rm -rf "$work"' EXIT
fi
export WIMG_STORE=$work/store
mkdir -p "$work/empty"

# build_c SRC OUT: the C tests from source, laid out as a prebuilt suite dir.
build_c() {
  local src=$1 out=$2 c
  command -v clang-19 >/dev/null || { echo "run.sh: clang-19 missing (apt-get install clang-19 lld-19 wasi-libc)" >&2; exit 2; }
  mkdir -p "$out"
  for c in "$src"/*.c; do
    nice clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -o "$out/$(basename "${c%.c}").wasm" "$c"
  done
  cp "$src"/*.json "$out"/ 2>/dev/null || true
  cp -r "$src"/*.dir "$out"/ 2>/dev/null || true
}

# The suite directories: prebuilt where the checkout has them.
dirs=()
for lang in c rust assemblyscript; do
  d=$suite/tests/$lang/testsuite/wasm32-wasip1
  if compgen -G "$d/*.wasm" >/dev/null; then
    dirs+=("$lang:$d")
  elif [[ $lang == c && -d "$suite/tests/c/src" ]]; then
    build_c "$suite/tests/c/src" "$work/build/c"
    dirs+=("c:$work/build/c")
  else
    echo "note: no prebuilt $lang tests in $suite (check out branch prod/testsuite-base)"
  fi
done

# spec JSON OUTDIR: writes args and env (NUL-separated) and stdout.expected
# (when the spec names one); prints "ROOT|EXIT_CODE|HAS_STDOUT".
spec() {
  # shellcheck disable=SC2016 # JavaScript template literals, not bash
  "$NODE" -e '
    const fs = require("fs");
    const [file, out] = process.argv.slice(1);
    const s = file ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    fs.writeFileSync(out + "/args", (s.args || []).map((a) => a + "\0").join(""));
    fs.writeFileSync(out + "/env", Object.entries(s.env || {}).map(([k, v]) => `${k}=${v}\0`).join(""));
    if ("stdout" in s) fs.writeFileSync(out + "/stdout.expected", s.stdout);
    process.stdout.write(`${s.root || ""}|${s.exit_code ?? 0}|${"stdout" in s ? 1 : 0}\n`);
  ' "$1" "$2"
}

# check DIR MODE WANT_RC HAS_STDOUT: PASS, or FAIL with the reason.
check() {
  local dir=$1 mode=$2 want=$3 has_stdout=$4 rc
  rc=$(<"$dir/$mode.rc")
  if [[ "$rc" != "$want" ]]; then
    echo "FAIL(rc=$rc)"
  elif [[ $has_stdout == 1 ]] && ! cmp -s "$dir/$mode.stdout" "$dir/stdout.expected"; then
    echo "FAIL(stdout)"
  else
    echo PASS
  fi
}

# run_mode DIR MODE CMD...: runs CMD, 60 s at most, its stdin, stdout and
# stderr pipes as the suite's own harness gives them (poll_oneoff_stdio polls
# them; node cannot poll a regular file or /dev/null: EPERM). stdin is empty.
run_mode() {
  local dir=$1 mode=$2
  shift 2
  printf '%q ' "$@" >"$dir/$mode.argv"
  (
    set +e
    : | timeout 60 "$@" 2>&3 | cat >"$dir/$mode.stdout"
    echo "${PIPESTATUS[1]}" >"$dir/$mode.rc"
  ) 3>&1 | cat >"$dir/$mode.stderr"
}

# pack DIR MODE MODULE LAYER: DIR/MODE.wasm; a failure is the result "pack".
pack() {
  "$wimg" pack "$3" -o "$1/$2.wasm" --layer "$4" >"$1/$2.pack.log" 2>&1 && return 0
  echo pack >"$1/$2.rc"
  return 1
}

# fresh_fixture SRC DEST: DEST is a new copy of SRC (tests write into it).
fresh_fixture() {
  rm -rf "$2"
  cp -a "$1" "$2"
}

declare -A pass=([a]=0 [b]=0 [c]=0)
total=0
regressions=()
printf '%-52s %-14s %-14s %-14s\n' test a:wimg-dir b:wimg-image c:node
for entry in "${dirs[@]}"; do
  lang=${entry%%:*} d=${entry#*:}
  for wasm in "$d"/*.wasm; do
    name=$(basename "${wasm%.wasm}")
    [[ -n "$filter" && ! "$lang/$name" =~ $filter ]] && continue
    t=$work/t/$lang/$name
    mkdir -p "$t"
    json=$d/$name.json
    [[ -f "$json" ]] || json=
    IFS="|" read -r root want has_stdout < <(spec "$json" "$t")
    mapfile -d '' args <"$t/args"
    mapfile -d '' envs <"$t/env"
    wimg_env=() node_env=()
    for kv in "${envs[@]}"; do wimg_env+=(-e "$kv"); node_env+=(--env "$kv"); done
    fixture=
    [[ -n "$root" ]] && fixture=$d/$root

    # a: the module packed with an empty layer, the fixture a host dir at /.
    dir_a=()
    if [[ -n "$fixture" ]]; then
      fresh_fixture "$fixture" "$t/fixture-a"
      dir_a=(--dir "$t/fixture-a::/")
    fi
    pack "$t" a "$wasm" "$work/empty" &&
      run_mode "$t" a "$wimg" run --host "$NODE" "${dir_a[@]}" "${wimg_env[@]}" "$t/a.wasm" "${args[@]}"

    # b: the fixture packed as the image, no host directory.
    pack "$t" b "$wasm" "${fixture:-$work/empty}" &&
      run_mode "$t" b "$wimg" run --host "$NODE" "${wimg_env[@]}" "$t/b.wasm" "${args[@]}"

    # c: node's WASI on the unmodified module.
    dir_c=()
    if [[ -n "$fixture" ]]; then
      fresh_fixture "$fixture" "$t/fixture-c"
      dir_c=(--dir "$t/fixture-c::/")
    fi
    run_mode "$t" c "$NODE" "$runner" "${dir_c[@]}" "${node_env[@]}" -- "$wasm" "${args[@]}"

    total=$((total + 1))
    declare -A r=()
    for m in a b c; do
      r[$m]=$(check "$t" "$m" "$want" "$has_stdout")
      [[ ${r[$m]} == PASS ]] && pass[$m]=$((pass[$m] + 1))
    done
    [[ ${r[c]} == PASS && ${r[b]} != PASS ]] && regressions+=("$lang/$name")
    printf '%-52s %-14s %-14s %-14s\n' "$lang/$name" "${r[a]}" "${r[b]}" "${r[c]}"
  done
done

echo
echo "passed: a (wimg, fixture as --dir) ${pass[a]}/$total," \
  "b (wimg, fixture in the image) ${pass[b]}/$total, c (node) ${pass[c]}/$total"
if ((${#regressions[@]})); then
  echo "FAIL: mode b fails ${#regressions[@]} test(s) that node passes: ${regressions[*]}"
  exit 1
fi
((total > 0)) || { echo "FAIL: no tests found in $suite"; exit 1; }
echo "ok: mode b passes every test node passes"
