#!/usr/bin/env bash
# Rebuilds the guest programs, reruns them under node's WASI over a fresh
# fixture (run_host.sh) and diffs every transcript, stderr and exit code
# against tests/guest/golden/. A difference means a program, the fixture, the
# runner or node's WASI changed behaviour: look at the diff, and only if the
# new output is right, regenerate with
#   rm -rf tests/guest/golden && bash tests/guest/run_host.sh "" tests/guest/golden
# and review the new transcripts line by line before keeping them.
# The same programs and golden files are the reference for wimg's embedded
# tree later (tests/guest/README.md).
set -euo pipefail

source "$(dirname "$0")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
GOLDEN=${WIMG_GUEST_GOLDEN:-$SRC/tests/guest/golden}
[[ -d "$GOLDEN" ]] || { echo "FAIL: no golden directory $GOLDEN" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wimg-guest-golden.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

bash "$SRC/tests/guest/run_host.sh" "$TMP/build" "$TMP/out" >/dev/null

# The read-only-tree run needs root (run_host.sh explains); without it, it
# is reported as skipped rather than failed.
skip=()
if [[ ! -e "$TMP/out/errno_cases_rofs.txt" ]]; then
  echo "SKIP: errno_cases_rofs (no read-only bind mount on this machine)"
  skip=(-e '^errno_cases_rofs\.')
fi
# shellcheck disable=SC2012 # our own file names: plain, no newlines
list() { ls "$1" | { if ((${#skip[@]})); then grep -v "${skip[@]}"; else cat; fi; }; }

# Every golden file must be produced, and nothing else.
if ! diff <(list "$GOLDEN") <(list "$TMP/out") >"$TMP/names.diff"; then
  echo "FAIL: transcript files differ from golden (< golden, > this run):" >&2
  cat "$TMP/names.diff" >&2
  exit 1
fi
failed=0 total=0
for name in $(list "$GOLDEN"); do
  g=$GOLDEN/$name
  total=$((total + 1))
  if ! cmp -s "$g" "$TMP/out/$name"; then
    echo "FAIL: $name differs from golden (first 40 lines of the diff):" >&2
    diff -u "$g" "$TMP/out/$name" | head -n 40 >&2 || true
    failed=$((failed + 1))
  fi
done
echo "$((total - failed)) passed, $failed failed"
((failed == 0))
