#!/usr/bin/env bash
# The differential conformance test (issue 3): every conformance program,
# run over the fixture EMBEDDED with `wimg pack` (run_packed.sh), must print
# what it prints over the same tree served by node's host preopen
# (golden/, made by run_host.sh) — byte for byte, exit code and stderr
# included — except where node's WASI is not Linux (README, "Node's WASI
# behaviour worth knowing", items 1-6 and 7 for "/"). Those differences are
# not waved through: each run's `diff -u host packed` must equal the
# reviewed file deviations/<run>.<ext>.diff (no file = no difference).
# Also: args_env with its args/env baked in at pack time must equal the
# host run given them at run time, and packed_only/extra.c (runtime-only
# cases) must equal packed_only/expected/.
#
# Env: WIMG (the binary). `--update` rewrites deviations/ from
# the current output (review every changed line before committing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WIMG=${WIMG:?set WIMG to the wimg binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/wimg-diff.XXXXXX")
trap 'rm -rf "$T"' EXIT
# A private copy of the binary, as the e2e tests do.
cp "$WIMG" "$T/wimg"
bash "$HERE/run_packed.sh" "$T/wimg" "$T/build" "$T/out" >/dev/null

pass=0 fail=0
compare() {  # compare NAME EXPECTED_FILE ACTUAL_FILE DEVIATION_FILE
  local name=$1 exp=$2 act=$3 dev=$4 d
  d=$(diff -u --label host --label packed "$exp" "$act" || true)
  if [[ ${UPDATE:-} == 1 && -n $dev ]]; then
    if [[ -n $d ]]; then printf '%s\n' "$d" >"$dev"; else rm -f "$dev"; fi
  fi
  local want=""
  [[ -n $dev && -f $dev ]] && want=$(cat "$dev")
  if [[ "$d" == "$want" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: the difference to the host is not the reviewed one"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$d") | head -40 || true
  fi
}
[[ ${1:-} == --update ]] && UPDATE=1 && mkdir -p "$HERE/deviations"

for run in read_files stat_walk symlinks errno_cases errno_cases_writes errno_cases_rofs args_env stdio; do
  for e in txt stderr exit; do
    if [[ ! -f $HERE/golden/$run.$e ]]; then
      echo "note: no golden $run.$e (host run skipped when golden/ was made)"
      continue
    fi
    compare "$run.$e" "$HERE/golden/$run.$e" "$T/out/$run.$e" "$HERE/deviations/$run.$e.diff"
  done
done
for e in txt stderr exit; do
  compare "errno_cases_upper.$e" "$HERE/golden/errno_cases_writes.$e" "$T/out/errno_cases_upper.$e" \
    "$HERE/deviations/errno_cases_upper.$e.diff"
  compare "args_env_baked.$e" "$HERE/golden/args_env.$e" "$T/out/args_env_baked.$e" ""
  compare "extra.$e" "$HERE/packed_only/expected/extra.$e" "$T/out/extra.$e" ""
  compare "upper.$e" "$HERE/packed_only/expected/upper.$e" "$T/out/upper.$e" ""
done
echo "$pass passed, $fail failed"
((fail == 0))
