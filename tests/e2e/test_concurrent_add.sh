#!/usr/bin/env bash
# Two `layer add` processes started at the same instant into one store, on
# trees that share most of their contents, must both succeed with the digests
# of sequential adds into clean stores, and leave exactly one object per
# distinct content plus one per layer index.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_concurrent_add

# Trees: 2,000 shared contents (seed "shared", indices 0..1999) plus 1,000
# contents of their own, 3,000 files each. Two shared files are > 1 MiB so the
# streaming writer races too.
#   layout same:  shared files at the same paths in A and B
#   layout diff:  shared files at different paths
#   layout mixed: half the shared files at the same paths, half moved
make_tree() {  # DIR OWN_SEED LAYOUT_FOR_SHARED_LOW LAYOUT_FOR_SHARED_HIGH
  local dir=$1 own=$2 l1=$3 l2=$4
  gen_tree "$dir" 1000 shared --start 0 --layout-seed "$l1" --max-size 20000 --big 2
  gen_tree "$dir" 1000 shared --start 1000 --layout-seed "$l2" --max-size 20000
  gen_tree "$dir" 1000 "$own" --start 2000 --layout-seed "$own" --max-size 20000 --symlinks 20
}

T=$E2E_TMP/trees
make_tree "$T/same-a" own-a L0 L1
make_tree "$T/same-b" own-b L0 L1
make_tree "$T/diff-a" own-a L0 L1
make_tree "$T/diff-b" own-b M0 M1
make_tree "$T/mixed-a" own-a L0 L1
make_tree "$T/mixed-b" own-b L0 M1

# Sanity of the generated trees: the shared part must really be shared.
read -r fa _ ua _ < <(tree_stats "$T/same-a")
read -r fb _ ub _ < <(tree_stats "$T/same-b")
read -r _ _ uab _ < <(tree_stats "$T/same-a" "$T/same-b")
assert_eq 3002 "$fa" "regular files in tree A"
assert_eq 3002 "$fb" "regular files in tree B"
(( uab < ua + ub - 1500 )) || fail "trees A and B share too few contents: $ua + $ub -> $uab distinct"
note "trees: A $fa files/$ua distinct, B $fb files/$ub distinct, together $uab distinct"

# wait_for_files N FILE...: waits up to 30 s until all files exist.
wait_for_files() {
  local i f ok
  for (( i = 0; i < 3000; i++ )); do
    ok=1
    for f in "$@"; do [[ -e "$f" ]] || { ok=0; break; }; done
    (( ok )) && return 0
    sleep 0.01
  done
  fail "timed out waiting for $*"
}

# race STORE TREE1 TREE2 DIR: starts two adds released together by closing a
# FIFO; leaves rc, stdout, stderr, start/end ns in DIR/{1,2}.*
race() {
  local store=$1 t1=$2 t2=$3 dir=$4 n
  mkdir -p "$dir"
  mkfifo "$dir/go"
  exec 3<>"$dir/go"   # keeps a writer open until both readers are ready
  for n in 1 2; do
    local tree=$t1
    [[ $n == 2 ]] && tree=$t2
    (
      trap - EXIT INT TERM
      exec 3>&-
      exec 4<"$dir/go"
      : >"$dir/$n.ready"
      read -r _ <&4 || true   # EOF when the parent closes the last writer
      now_ns >"$dir/$n.start"
      rc=0
      "$WIMG" --store "$store" layer add "$tree" >"$dir/$n.out" 2>"$dir/$n.err" || rc=$?
      now_ns >"$dir/$n.end"
      echo "$rc" >"$dir/$n.rc"
    ) &
    E2E_PIDS+=("$!")
  done
  wait_for_files "$dir/1.ready" "$dir/2.ready"
  exec 3>&-
  local p
  for p in "${E2E_PIDS[@]}"; do wait "$p" || fail "race helper $p failed"; done
  E2E_PIDS=()
}

round=0
for case in same diff mixed same diff mixed; do
  round=$(( round + 1 ))
  A=$T/$case-a
  B=$T/$case-b
  # Reference digests from sequential adds into separate clean stores.
  ref_a=$(wimg_add "$E2E_TMP/ref$round-a" "$A")
  ref_b=$(wimg_add "$E2E_TMP/ref$round-b" "$B")
  assert_ne "$ref_a" "$ref_b" "digests of trees A and B ($case)"
  read -r _ _ unique _ < <(tree_stats "$A" "$B")

  S=$E2E_TMP/store$round
  R=$E2E_TMP/race$round
  race "$S" "$A" "$B" "$R"
  for n in 1 2; do
    rc=$(cat "$R/$n.rc")
    [[ $rc == 0 ]] || fail "round $round ($case): add $n exited $rc: $(cat "$R/$n.err")"
    if [[ -s "$R/$n.err" ]]; then note "round $round: add $n stderr: $(cat "$R/$n.err")"; fi
  done
  got_a=$(tail -n 1 "$R/1.out")
  got_b=$(tail -n 1 "$R/2.out")
  assert_eq "$ref_a" "$got_a" "round $round ($case): digest of tree A added concurrently"
  assert_eq "$ref_b" "$got_b" "round $round ($case): digest of tree B added concurrently"
  objects=$(count_objects "$S")
  assert_eq "$(( unique + 2 ))" "$objects" "round $round ($case): objects in the shared store (distinct contents $unique + 2 layer indexes)"
  verify_clean "$S" "round $round ($case)"
  assert_eq 0 "$(count_tmp "$S")" "round $round ($case): entries left in tmp/ after two successful adds"
  # Both layers are listed identically to the reference stores.
  [[ "$("$WIMG" --store "$S" layer ls "$got_a")" == "$("$WIMG" --store "$E2E_TMP/ref$round-a" layer ls "$ref_a")" ]] ||
    fail "round $round ($case): layer ls of A differs from the reference store"
  [[ "$("$WIMG" --store "$S" layer ls "$got_b")" == "$("$WIMG" --store "$E2E_TMP/ref$round-b" layer ls "$ref_b")" ]] ||
    fail "round $round ($case): layer ls of B differs from the reference store"

  s1=$(cat "$R/1.start") e1=$(cat "$R/1.end") s2=$(cat "$R/2.start") e2=$(cat "$R/2.end")
  lo=$(( s1 > s2 ? s1 : s2 )) hi=$(( e1 < e2 ? e1 : e2 ))
  overlap_ms=$(( hi > lo ? (hi - lo) / 1000000 : 0 ))
  note "round $round ($case): A $(( (e1 - s1) / 1000000 )) ms, B $(( (e2 - s2) / 1000000 )) ms, start skew $(( (s1 > s2 ? s1 - s2 : s2 - s1) / 1000 )) us, overlap $overlap_ms ms, $objects objects"
  (( overlap_ms > 0 )) || fail "round $round ($case): the two adds did not overlap in time; the test proves nothing"
done

# Same tree from both processes: same objects and the same index, so the
# store must end up with distinct contents + 1.
S=$E2E_TMP/store-identical
race "$S" "$T/same-a" "$T/same-a" "$E2E_TMP/race-identical"
for n in 1 2; do
  [[ $(cat "$E2E_TMP/race-identical/$n.rc") == 0 ]] || fail "identical trees: add $n failed: $(cat "$E2E_TMP/race-identical/$n.err")"
  assert_eq "$(wimg_add "$E2E_TMP/ref-identical" "$T/same-a")" "$(tail -n 1 "$E2E_TMP/race-identical/$n.out")" "identical trees: digest of add $n"
done
assert_eq "$(( ua + 1 ))" "$(count_objects "$S")" "identical trees: objects in the shared store"
verify_clean "$S" "identical trees"
assert_eq 0 "$(count_tmp "$S")" "identical trees: entries left in tmp/"

echo "test_concurrent_add: ok"
