#!/usr/bin/env bash
# Crash safety of `layer add`: SIGKILL at random points (early, middle, late,
# during the commit) must never leave a store that fails `store verify`, and
# a later add must complete with the same digest as in a clean store.
#
# Once a round completes, the store holds the whole layer and a warm stat
# cache, so later adds finish in milliseconds and a kill would hit nothing.
# Unless CRASH_PRUNE_AFTER_COMPLETE=0, a round that finished before its kill
# is followed by `wimg prune` (no images: removes the layer, its objects and
# the killed rounds' temp files), so the next round stores everything again,
# now with a stale stat cache. Killed rounds are never followed by prune: the
# next round builds on their partial state.
#
# Env knobs: E2E_SEED (bash $RANDOM seed, printed), CRASH_ROUNDS (default 20),
# CRASH_FILES (default 20000), CRASH_PRUNE_AFTER_COMPLETE (default 1),
# E2E_KEEP=1 keeps the temp dir.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_crash_safety

ROUNDS=${CRASH_ROUNDS:-20}
NFILES=${CRASH_FILES:-20000}
PRUNE_AFTER_COMPLETE=${CRASH_PRUNE_AFTER_COMPLETE:-1}
SEED=${E2E_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$SEED
note "seed $SEED (rerun with E2E_SEED=$SEED), $ROUNDS rounds, $NFILES files"

TREE=$E2E_TMP/tree
gen_tree "$TREE" "$NFILES" crash --symlinks 50 --big 2 --dirs-per 40
read -r T_FILES T_BYTES T_UNIQUE T_LINKS < <(tree_stats "$TREE")
note "tree: $T_FILES files, $T_BYTES bytes, $T_UNIQUE distinct contents, $T_LINKS symlinks"

# Reference: one cold add into a clean scratch store, timed.
REF=$E2E_TMP/ref-store
sync  # so the timing is not charged for flushing the freshly generated tree
t0=$(now_ns)
REF_JSON=$("$WIMG" --store "$REF" layer add --json "$TREE") || fail "reference layer add --json exited $?"
t1=$(now_ns)
COLD_MS=$(( (t1 - t0) / 1000000 ))
REF_JSON=$(printf '%s\n' "$REF_JSON" | tail -n 1)
REF_DIGEST=$("$E2E_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["digest"])' "$REF_JSON")
assert_match 'sha256:[0-9a-f]{64}' "$REF_DIGEST" "--json digest of the reference add"
assert_eq "$REF_DIGEST" "$(wimg_add "$E2E_TMP/ref2-store" "$TREE")" "plain and --json digests"
read -r J_FILES J_BYTES < <("$E2E_PY" -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["files"], j["bytes"])' "$REF_JSON")
assert_eq "$T_FILES" "$J_FILES" "--json files of the reference add"
assert_eq "$T_BYTES" "$J_BYTES" "--json bytes of the reference add"
REF_OBJECTS=$(count_objects "$REF")
# Every distinct content plus the layer index.
assert_eq "$(( T_UNIQUE + 1 ))" "$REF_OBJECTS" "objects in the reference store"
verify_clean "$REF" "reference store"
note "cold add: ${COLD_MS} ms -> $REF_DIGEST ($REF_OBJECTS objects)"
(( COLD_MS > 0 )) || COLD_MS=1

S=$E2E_TMP/store
killed=0
completed=0
for (( round = 1; round <= ROUNDS; round++ )); do
  # Five strata cycle so kills land early, middle and late; the top stratum
  # reaches the final commit and index write.
  stratum=$(( (round - 1) % 5 ))
  permille=$(( stratum * 200 + RANDOM % 201 ))
  (( permille <= 1000 )) || permille=1000
  delay_ms=$(( COLD_MS * permille / 1000 ))
  delay=$(printf '%d.%03d' $(( delay_ms / 1000 )) $(( delay_ms % 1000 )))

  out=$E2E_TMP/round$round.out
  err=$E2E_TMP/round$round.err
  "$WIMG" --store "$S" layer add "$TREE" >"$out" 2>"$err" &
  pid=$!
  E2E_PIDS+=("$pid")
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  rc=0
  { wait "$pid"; } 2>/dev/null || rc=$?
  E2E_PIDS=()

  case $rc in
    137)
      outcome=killed
      killed=$(( killed + 1 ))
      ;;
    0)
      outcome="finished before the kill"
      completed=$(( completed + 1 ))
      got=$(tail -n 1 "$out")
      assert_eq "$REF_DIGEST" "$got" "digest printed by round $round (completed before the kill)"
      ;;
    *)
      fail "round $round: layer add exited $rc (not killed, not success): $(cat "$err")"
      ;;
  esac
  verify_out=$("$WIMG" --store "$S" store verify 2>&1) || fail "round $round ($outcome at ${delay_ms} ms): store verify exited $?:
$verify_out"
  assert_not_contains "problem:" "$verify_out" "round $round verify"
  line=$(printf '%s: round %2d: kill at %5d ms (%4d/1000 of cold) -> %-24s objects %6s, tmp entries %s (%s files)\n' \
    "$E2E_NAME" "$round" "$delay_ms" "$permille" "$outcome" "$(count_objects "$S")" "$(count_tmp "$S")" "$(count_tmp_files "$S")")
  if [[ $rc == 0 && $PRUNE_AFTER_COMPLETE == 1 && $round -lt $ROUNDS ]]; then
    files_before=$(count_tmp_files "$S")
    p_out=$("$WIMG" --store "$S" prune 2>&1) || fail "round $round: prune exited $?: $p_out"
    verify_clean "$S" "round $round: verify after prune"
    assert_eq 0 "$(count_objects "$S")" "round $round: objects left after prune"
    assert_eq 0 "$(count_tmp "$S")" "round $round: tmp entries left after prune"
    line+="; pruned (${files_before} temp files): $p_out"
  fi
  echo "$line"
done
note "kills before completion: $killed; rounds that finished before the kill: $completed"

# A final uninterrupted add completes with the reference digest.
tmp_before=$(count_tmp "$S")
FINAL=$(wimg_add "$S" "$TREE")
assert_eq "$REF_DIGEST" "$FINAL" "digest of the final add after $ROUNDS killed rounds"
verify_clean "$S" "after the final add"
assert_eq "$REF_OBJECTS" "$(count_objects "$S")" "objects in the crashed-into store after the final add"
ls_ref=$("$WIMG" --store "$REF" layer ls "$REF_DIGEST")
ls_s=$("$WIMG" --store "$S" layer ls "$FINAL")
[[ "$ls_ref" == "$ls_s" ]] || fail "layer ls differs between the reference store and the crashed-into store"

# With no images, prune removes everything: the layer, its objects and the
# temp leftovers of the killed rounds.
prune_out=$("$WIMG" --store "$S" prune 2>&1) || fail "prune exited $?: $prune_out"
note "prune (tmp entries before: $tmp_before): $prune_out"
verify_clean "$S" "after prune"
assert_eq 0 "$(count_tmp "$S")" "entries left in tmp/ after prune"
assert_eq 0 "$(count_objects "$S")" "objects left after prune with no images"

# The stat cache still describes the tree but its objects are gone: an add
# must notice and store them again.
AGAIN=$(wimg_add "$S" "$TREE")
assert_eq "$REF_DIGEST" "$AGAIN" "digest of an add after prune (stale stat cache)"
verify_clean "$S" "add after prune"
assert_eq "$REF_OBJECTS" "$(count_objects "$S")" "objects after re-adding following prune"
assert_eq 0 "$(count_tmp "$S")" "entries left in tmp/ after a successful add"

echo "test_crash_safety: ok (cold ${COLD_MS} ms; $killed killed mid-add, $completed finished before the kill)"
