#!/usr/bin/env bash
# wimg pack / inspect, and ls / cat / export of a packed .wasm: the same
# merged view as the store image of the same layers, byte-identical output
# for the same inputs, --verify catching a flipped byte, and malformed
# inputs failing cleanly without writing any output.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_pack
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"

# A WASI command module: the base.
hello_base "$E2E_TMP/base.wasm"
BASE=$E2E_TMP/base.wasm

# Two layers: the upper replaces a file, whites one out, makes a dir opaque.
L1=$E2E_TMP/l1 L2=$E2E_TMP/l2
mkdir -p "$L1/etc" "$L1/usr/lib" "$L2/etc" "$L2/usr"
echo base >"$L1/etc/motd"
echo conf >"$L1/etc/conf"
echo lib >"$L1/usr/lib/x.rb"
echo "unique-content-to-flip" >"$L1/etc/flip.txt"
ln -s usr/lib "$L1/lib"
echo new >"$L2/etc/motd"
echo conf >"$L2/etc/same-as-conf"
: >"$L2/etc/.wh.conf"
: >"$L2/usr/.wh..wh..opq"
echo app >"$L2/usr/app.rb"
l1=$(wimg_add "$S" "$L1")
l2=$(wimg_add "$S" "$L2")
W image create -t stack:1 --layer "$l1" --layer "$l2" >/dev/null

# --- pack -------------------------------------------------------------------
W pack "$BASE" -o "$E2E_TMP/app.wasm" --layer "$l1" --layer "$L2" --mount /usr --env A=1 \
  --entrypoint ruby --cmd app.rb --label org.example=yes >"$E2E_TMP/pack.out"
assert_contains "base prepared" "$(cat "$E2E_TMP/pack.out")" "first pack prepares the base"
[[ -s "$E2E_TMP/app.wasm" ]] || fail "pack wrote no output"
if command -v wasm-validate >/dev/null; then
  wasm-validate "$E2E_TMP/app.wasm" || fail "the packed binary does not validate"
fi

# The packed binary still runs (node >= 24, when installed: scripts/setup).
source "$(dirname "$0")/../../scripts/lib/paths.sh"
if [[ -x "$NODE" ]]; then
  RUNNER=$WIMG_REPO/runtime/runner/wasi-run.mjs
  assert_eq "hello" "$("$NODE" "$RUNNER" "$E2E_TMP/app.wasm")" "the packed binary runs under node"
else
  note "no node 24 at $NODE: not running the packed binary"
fi

# Same view as the store image: ls, ls -l, cat.
assert_eq "$(W ls -R -l stack:1)" "$(W ls -R -l "$E2E_TMP/app.wasm")" "ls -R -l of file vs image"
assert_eq "$(W ls stack:1 /etc)" "$(W ls "$E2E_TMP/app.wasm" /etc)" "ls of a directory"
assert_eq "new" "$(W cat "$E2E_TMP/app.wasm" /etc/motd)" "cat of a replaced file"
assert_eq "app" "$(W cat "$E2E_TMP/app.wasm" usr/../usr/app.rb)" "cat through .."
expect_rc 4 "cat through a symlink into an opaque-hidden dir" W cat "$E2E_TMP/app.wasm" /lib/x.rb
assert_contains "ENOENT" "$(cat "$E2E_TMP/err")" "cat error"
expect_rc 3 "cat of a directory" W cat "$E2E_TMP/app.wasm" /etc

# --- inspect ----------------------------------------------------------------
info=$(W inspect "$E2E_TMP/app.wasm")
assert_contains "$l1" "$info" "inspect lists the bottom layer"
assert_contains "$l2" "$info" "inspect lists the top layer"
assert_contains "layer add $L2" "$info" "inspect shows where a layer came from"
assert_contains 'Preopens:   ["/","/usr"]' "$info" "inspect shows the preopens"
base_digest=sha256:$(sha256sum "$BASE" | cut -d' ' -f1)
assert_contains "Base:       $base_digest" "$info" "inspect shows the base digest"
W inspect --json "$E2E_TMP/app.wasm" >"$E2E_TMP/inspect.json"
got=$("$E2E_PY" - "$E2E_TMP/inspect.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
m = j["manifest"]
print(" ".join([m["layers"][0]["digest"], m["layers"][1]["digest"], str(m["layers"][1]["files"]),
                str(m["layers"][1]["slot"]), m["config"]["entrypoint"][0], m["config"]["labels"]["org.example"],
                str(j["runtime"]["slots"]), str(len(j["slots"]))]))
PY
)
assert_eq "$l1 $l2 3 2 ruby yes 128 3" "$got" "inspect --json"
expect_rc 0 "inspect --verify of a good binary" W inspect --verify "$E2E_TMP/app.wasm"
assert_contains "view matches the layers" "$(cat "$E2E_TMP/out")" "inspect --verify output"

# --- determinism ------------------------------------------------------------
W pack "$BASE" -o "$E2E_TMP/app2.wasm" --layer "$l1" --layer "$l2" --mount /usr --env A=1 \
  --entrypoint ruby --cmd app.rb --label org.example=yes >"$E2E_TMP/pack2.out"
assert_not_contains "base prepared" "$(cat "$E2E_TMP/pack2.out")" "second pack uses the cached base"
# created_by differs (a PATH vs a digest), so compare with the same arguments:
W pack "$BASE" -o "$E2E_TMP/app3.wasm" --layer "$l1" --layer "$L2" --mount /usr --env A=1 \
  --entrypoint ruby --cmd app.rb --label org.example=yes >/dev/null
cmp "$E2E_TMP/app.wasm" "$E2E_TMP/app3.wasm" || fail "packing twice gave different bytes"
# A fresh store (base prepared again, layers imported again): still identical.
"$WIMG" --store "$E2E_TMP/store2" pack "$BASE" -o "$E2E_TMP/app4.wasm" --layer "$L1" --layer "$L2" \
  --mount /usr --env A=1 --entrypoint ruby --cmd app.rb --label org.example=yes >/dev/null
"$WIMG" --store "$E2E_TMP/store2" pack "$BASE" -o "$E2E_TMP/app5.wasm" --layer "$L1" --layer "$L2" \
  --mount /usr --env A=1 --entrypoint ruby --cmd app.rb --label org.example=yes >/dev/null
cmp "$E2E_TMP/app4.wasm" "$E2E_TMP/app5.wasm" || fail "cold and warm packs differ"
# A base file whose stat is unchanged (and older than the stat cache's 2 s
# racy window) is known by digest: a repeated pack neither opens nor hashes
# it, and writes the same bytes. A changed base is read again.
SB=$E2E_TMP/statbase
mkdir -p "$SB"
cp "$BASE" "$SB/base.wasm"
sleep 2.2
W pack "$SB/base.wasm" -o "$E2E_TMP/sb1.wasm" --layer "$l1" >/dev/null
read -r rc opens < <(opens_during "$SB/base.wasm" "$WIMG" --store "$S" pack "$SB/base.wasm" -o "$E2E_TMP/sb2.wasm" --layer "$l1")
assert_eq 0 "$rc" "repeated pack"
assert_eq 0 "$opens" "opens of an unchanged base by a repeated pack"
cmp "$E2E_TMP/sb1.wasm" "$E2E_TMP/sb2.wasm" || fail "a pack from the stat cache wrote different bytes"
printf 'not wasm' >"$SB/base.wasm"
expect_rc 3 "pack of a base changed into garbage" W pack "$SB/base.wasm" -o "$E2E_TMP/sb3.wasm" --layer "$l1"
assert_contains "not a WebAssembly module" "$(cat "$E2E_TMP/err")" "a changed base is read again"
# SOURCE_DATE_EPOCH is the only time that reaches the binary.
SOURCE_DATE_EPOCH=1700000000 W pack "$BASE" -o "$E2E_TMP/sde.wasm" --layer "$l1" >"$E2E_TMP/sde.out"
# Without --entrypoint/--cmd the plain preparation is asked for; this base
# is not a CRuby reactor, so the command mode asked for above already made
# it (one preparation, two cache entries naming one object).
assert_not_contains "base prepared" "$(cat "$E2E_TMP/sde.out")" "the plain mode reuses the preparation"
assert_eq 2 "$(find "$S/cache/prepared" -type f | wc -l)" "two prepared-base cache entries"
assert_eq 1 "$(cat "$S"/cache/prepared/* | sort -u | wc -l)" "both entries name one object"
assert_contains "ABI:        command (_start)" "$(W inspect "$E2E_TMP/app.wasm")" "inspect shows the ABI"
assert_contains "Created:    1700000000" "$(W inspect "$E2E_TMP/sde.wasm")" "created from SOURCE_DATE_EPOCH"

# --- export round trip --------------------------------------------------------
gen_tree "$E2E_TMP/tree" 300 pack --symlinks 5 >/dev/null
D=$(wimg_add "$S" "$E2E_TMP/tree")
W pack "$BASE" -o "$E2E_TMP/tree.wasm" --layer "$D" >/dev/null
W export "$E2E_TMP/tree.wasm" -o "$E2E_TMP/tree-out" >/dev/null
assert_eq "$D" "$(wimg_add "$S" "$E2E_TMP/tree-out")" "digest after export of the .wasm and re-add"
expect_rc 0 "inspect --verify of the tree binary" W inspect --verify "$E2E_TMP/tree.wasm"

# --- a flipped byte inside a layer segment -------------------------------------
cp "$E2E_TMP/app.wasm" "$E2E_TMP/flip.wasm"
"$E2E_PY" - "$E2E_TMP/flip.wasm" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b"unique-content-to-flip")
assert i > 0 and b.find(b"unique-content-to-flip", i + 1) < 0
b[i] ^= 0x20
open(p, "wb").write(bytes(b))
PY
expect_rc 0 "inspect without --verify reads the structure only" W inspect "$E2E_TMP/flip.wasm"
expect_rc 5 "inspect --verify of a flipped content byte" W inspect --verify "$E2E_TMP/flip.wasm"
assert_contains "flip.wasm" "$(cat "$E2E_TMP/err")" "verify error names the file"
assert_contains "layer 0" "$(cat "$E2E_TMP/err")" "verify error names the layer"
expect_rc 5 "cat of the damaged file" W cat "$E2E_TMP/flip.wasm" /etc/flip.txt
expect_rc 5 "export of a damaged binary" W export "$E2E_TMP/flip.wasm" -o "$E2E_TMP/flip-out"
[[ ! -e "$E2E_TMP/flip-out" ]] || fail "export of a damaged binary created its output directory"
assert_eq "new" "$(W cat "$E2E_TMP/flip.wasm" /etc/motd)" "undamaged files still read"

# --- malformed inputs: clear errors, no output ---------------------------------
size=$(stat -c %s "$E2E_TMP/app.wasm")
for cut in 6 100 $((size / 2)) $((size - 1)); do
  head -c "$cut" "$E2E_TMP/app.wasm" >"$E2E_TMP/cut.wasm"
  rc=0; W inspect "$E2E_TMP/cut.wasm" >/dev/null 2>"$E2E_TMP/err" || rc=$?
  [[ $rc == 3 || $rc == 5 ]] || fail "inspect of a file cut to $cut bytes: exit $rc"
  assert_contains "cut.wasm" "$(cat "$E2E_TMP/err")" "error for a file cut to $cut names it"
  rc=0; W ls "$E2E_TMP/cut.wasm" >/dev/null 2>&1 || rc=$?
  [[ $rc == 3 || $rc == 5 ]] || fail "ls of a file cut to $cut bytes: exit $rc"
  rc=0; W export "$E2E_TMP/cut.wasm" -o "$E2E_TMP/cut-out" >/dev/null 2>&1 || rc=$?
  [[ $rc == 3 || $rc == 5 ]] || fail "export of a file cut to $cut bytes: exit $rc"
  [[ ! -e "$E2E_TMP/cut-out" ]] || fail "export of a file cut to $cut bytes wrote output"
done
{ printf '\0asm\1\0\0\0'; head -c 4096 /dev/urandom; } >"$E2E_TMP/random.wasm"
expect_rc 3 "inspect of random bytes" W inspect "$E2E_TMP/random.wasm"
assert_contains "random.wasm" "$(cat "$E2E_TMP/err")" "error names the random file"
expect_rc 3 "inspect of a plain module" W inspect "$BASE"
assert_contains "not a packed wimg binary" "$(cat "$E2E_TMP/err")" "plain module error"

head -c 30 "$BASE" >"$E2E_TMP/badbase.wasm"
expect_rc 3 "pack of a truncated base" W pack "$E2E_TMP/badbase.wasm" -o "$E2E_TMP/x.wasm" --layer "$l1"
assert_contains "badbase.wasm" "$(cat "$E2E_TMP/err")" "truncated base error names it"
head -c 4096 /dev/urandom >"$E2E_TMP/noise.wasm"
expect_rc 3 "pack of random bytes" W pack "$E2E_TMP/noise.wasm" -o "$E2E_TMP/x.wasm" --layer "$l1"
expect_rc 3 "pack of a packed binary" W pack "$E2E_TMP/app.wasm" -o "$E2E_TMP/x.wasm" --layer "$l1"
assert_contains "already a packed image" "$(cat "$E2E_TMP/err")" "pack of a packed binary"
expect_rc 4 "--mount of a missing dir" W pack "$BASE" -o "$E2E_TMP/x.wasm" --layer "$l1" --mount /nope
assert_contains "/nope" "$(cat "$E2E_TMP/err")" "missing mount error names it"
expect_rc 2 "--mount not absolute" W pack "$BASE" -o "$E2E_TMP/x.wasm" --layer "$l1" --mount usr
expect_rc 2 "--mount of a file" W pack "$BASE" -o "$E2E_TMP/x.wasm" --layer "$l1" --mount /etc/motd
expect_rc 4 "unknown layer digest" W pack "$BASE" -o "$E2E_TMP/x.wasm" --layer "sha256:$(printf '0%.0s' {1..64})"
[[ ! -e "$E2E_TMP/x.wasm" ]] || fail "a failed pack left an output file"
# A failed pack leaves an existing output untouched.
cp "$E2E_TMP/app.wasm" "$E2E_TMP/keep.wasm"
expect_rc 4 "failed pack over an existing file" W pack "$BASE" -o "$E2E_TMP/keep.wasm" --layer "$l1" --mount /nope
cmp "$E2E_TMP/app.wasm" "$E2E_TMP/keep.wasm" || fail "a failed pack changed its existing output"
leftovers=$(find "$E2E_TMP" -maxdepth 1 -name '*.tmp-*' | wc -l)
assert_eq 0 "$leftovers" "temp files left beside the output"

# --- the prepared-base cache and the store -------------------------------------
verify_clean "$S" "store verify with a prepared base cached"
# Nothing names the base: prune drops the cache entry, and pack prepares again.
W prune >/dev/null
W pack "$BASE" -o "$E2E_TMP/app6.wasm" --layer "$l1" --layer "$L2" --mount /usr --env A=1 \
  --entrypoint ruby --cmd app.rb --label org.example=yes >"$E2E_TMP/pack6.out"
assert_contains "base prepared" "$(cat "$E2E_TMP/pack6.out")" "pack after prune prepares again"
cmp "$E2E_TMP/app.wasm" "$E2E_TMP/app6.wasm" || fail "pack after prune differs"
# An image that names the base keeps its prepared base across prune.
W image create -t withbase:1 --base "$BASE" --layer "$l1" >/dev/null
W prune >/dev/null
W pack "$BASE" -o "$E2E_TMP/app7.wasm" --layer "$l1" >"$E2E_TMP/pack7.out"
assert_not_contains "base prepared" "$(cat "$E2E_TMP/pack7.out")" "prune keeps the prepared base of a named base"
verify_clean "$S" "store verify after prune"

# Concurrent packs of one base into a fresh store, with prunes running
# against them: every pack succeeds with the same bytes, the store stays sound.
S3=$E2E_TMP/store3
pids=()
for i in 1 2 3; do
  "$WIMG" --store "$S3" pack "$BASE" -o "$E2E_TMP/par$i.wasm" --layer "$L1" --layer "$L2" \
    >"$E2E_TMP/par$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do "$WIMG" --store "$S3" prune >/dev/null 2>&1 || true; done
for i in 1 2 3; do
  wait "${pids[$((i - 1))]}" || fail "concurrent pack $i failed: $(cat "$E2E_TMP/par$i.log")"
done
cmp "$E2E_TMP/par1.wasm" "$E2E_TMP/par2.wasm" || fail "concurrent packs differ (1, 2)"
cmp "$E2E_TMP/par1.wasm" "$E2E_TMP/par3.wasm" || fail "concurrent packs differ (1, 3)"
expect_rc 0 "inspect --verify of a concurrent pack" W inspect --verify "$E2E_TMP/par3.wasm"
verify_clean "$S3" "store verify after concurrent packs and prunes"
echo "test_pack: ok"
