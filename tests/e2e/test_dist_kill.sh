#!/usr/bin/env bash
# kill -9 during wimg pull and wimg push (issue 13): whatever the moment,
# the store verifies clean and names nothing half-pulled; the next pull
# completes with the same image digest; a push killed midway leaves the
# pushing store verifying clean, is completed by the next one (blobs already
# sent are found by HEAD) and pulls back to the same image. The image has a layer of
# many files and a big one, so a transfer lasts long enough to be hit.
#
# Env: E2E_SEED (bash $RANDOM seed, printed), KILL_ROUNDS (default 8 each;
# the issue's 20: KILL_ROUNDS=20).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_dist_kill
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
# shellcheck source=dist_fixture.sh
source "$(dirname "$0")/dist_fixture.sh"
ROUNDS=${KILL_ROUNDS:-8}
SEED=${E2E_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$SEED
note "seed $SEED (rerun with E2E_SEED=$SEED), $ROUNDS rounds each"

dist_fixture
gen_tree "$C/big" 300 kill --big 1 >/dev/null
printf 'FROM app:1\nCOPY big /big\n' >"$C/Wasmfile.big"
W build -f "$C/Wasmfile.big" -t big:1 "$C" >/dev/null
want=$(W images --json | python3 -c 'import json,sys;print(*[i["digest"] for i in json.load(sys.stdin) if i["ref"]=="big:1"])')
start_registry reg
W push big:1 "$REG/team/big:1" >/dev/null

# Timing reference: one whole pull.
t0=$(now_ns)
"$WIMG" --store "$E2E_TMP/ref" pull "$REG/team/big:1" >/dev/null
ms=$(( ($(now_ns) - t0) / 1000000 ))
(( ms > 0 )) || ms=1
note "a whole pull takes ${ms} ms"

P=$E2E_TMP/pulled
killed=0
for (( round = 1; round <= ROUNDS; round++ )); do
  rm -rf "$P"
  "$WIMG" --store "$P" pull "$REG/team/big:1" >/dev/null 2>&1 &
  pid=$!
  sleep "$(python3 -c "print($RANDOM % ($ms + 1) / 1000)")"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  [[ -d "$P" ]] || continue
  verify_clean "$P" "round $round: store after kill -9 during pull"
  names=$("$WIMG" --store "$P" images --json | python3 -c 'import json,sys;print(*[i["digest"] for i in json.load(sys.stdin)])')
  [[ -z "$names" || "$names" == "$want" ]] || fail "round $round: a name points at $names"
  "$WIMG" --store "$P" pull "$REG/team/big:1" >"$E2E_TMP/out"
  assert_eq "$want" "$(tail -n 1 "$E2E_TMP/out")" "round $round: the pull after the kill"
done
note "pull: $killed of $ROUNDS rounds killed mid-way"

killed=0
for (( round = 1; round <= ROUNDS; round++ )); do
  W push big:1 "$REG/team/k$round:1" >/dev/null 2>&1 &
  pid=$!
  sleep "$(python3 -c "print($RANDOM % ($ms + 1) / 1000)")"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  verify_clean "$S" "round $round: pushing store after kill -9 during push"
  W push big:1 "$REG/team/k$round:1" >/dev/null
  rm -rf "$P"
  "$WIMG" --store "$P" pull "$REG/team/k$round:1" >"$E2E_TMP/out"
  assert_eq "$want" "$(tail -n 1 "$E2E_TMP/out")" "round $round: pull of a push completed after a kill"
done
verify_clean "$S" "pushing store after the kills"
note "push: $killed of $ROUNDS rounds killed mid-way"
note "ok"
