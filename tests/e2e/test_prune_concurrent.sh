#!/usr/bin/env bash
# prune running while images are being created must never collect objects
# of an image in the making: writers hold the store's shared lock until the
# image is named; prune takes it exclusively. Several rounds, each with an
# `image create` of a fresh tree racing a burst of prunes.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_prune_concurrent

S=$E2E_TMP/store
rounds=4
for round in $(seq 1 "$rounds"); do
  T=$E2E_TMP/tree$round
  gen_tree "$T" 3000 "prune$round" >/dev/null
  "$WIMG" --store "$S" image create -t "app:$round" --layer "$T" >"$E2E_TMP/create.out" 2>&1 &
  creator=$!
  prunes=0
  while kill -0 "$creator" 2>/dev/null; do
    "$WIMG" --store "$S" prune >/dev/null 2>&1 || fail "round $round: prune failed while an image was being created"
    prunes=$((prunes + 1))
  done
  wait "$creator" || fail "round $round: image create failed: $(cat "$E2E_TMP/create.out")"
  "$WIMG" --store "$S" prune >/dev/null || fail "round $round: final prune failed"
  verify_clean "$S" "round $round after create racing $prunes prunes"
  # Every image made so far survived the prunes (verify re-hashed them all).
  n=$("$WIMG" --store "$S" images --json | "$E2E_PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')
  [[ $n == "$round" ]] || fail "round $round: expected $round images, store lists $n"
  echo "test_prune_concurrent: round $round: image created while $prunes prunes ran; store verified"
done
echo "test_prune_concurrent: ok"
