#!/usr/bin/env bash
# Basic CLI behaviour: layer add output, --json counts, layer ls, digest
# stability (archives, location, mtimes, creation order), the image
# create/images/tag/rmi/prune flow, and store verify catching damage.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_cli_basics

cd "$E2E_TMP"
umask 022

# --- a small hand-made tree with known contents ------------------------------
make_small() {  # DIR
  local d=$1
  mkdir -p "$d/bin" "$d/dir/sub" "$d/emptydir"
  printf 'hello\n' >"$d/a.txt"
  printf 'hello\n' >"$d/dup.txt"
  printf 'Z' >"$d/Z-upper.txt"
  printf 'x\n' >"$d/dir-x.txt"
  printf '#!/bin/sh\necho hi\n' >"$d/bin/run.sh"
  : >"$d/dir/empty.txt"
  "$E2E_PY" -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)))' "$d/dir/sub/deep.bin"
  ln -s a.txt "$d/link-rel"
  ln -s ../bin/run.sh "$d/dir/link-up"
  ln -s does/not/exist "$d/dangling"
  chmod 0755 "$d/bin/run.sh" "$d/bin" "$d/dir" "$d/dir/sub" "$d/emptydir"
  chmod 0600 "$d/dir/sub/deep.bin"
  chmod 0644 "$d/a.txt" "$d/dup.txt" "$d/Z-upper.txt" "$d/dir-x.txt" "$d/dir/empty.txt"
}
SMALL=$E2E_TMP/small
make_small "$SMALL"
S=$E2E_TMP/store

# layer add prints the digest as its last line.
out=$("$WIMG" --store "$S" layer add "$SMALL") || fail "layer add of the small tree exited $?"
D=$(printf '%s\n' "$out" | tail -n 1)
assert_match 'sha256:[0-9a-f]{64}' "$D" "last line of layer add"
# ... and the layer index is an object named by that digest.
[[ -f "$S/objects/sha256/${D:7:2}/${D:9}" ]] || fail "layer index object for $D is not at objects/sha256/${D:7:2}/${D:9}"
# 7 regular files, 6 distinct contents (dup.txt = a.txt) + the index.
assert_eq 7 "$(count_objects "$S")" "objects after adding the small tree"

# --json: digest, files (regular files), bytes (their total size).
json=$("$WIMG" --store "$S" layer add --json "$SMALL" | tail -n 1)
read -r jd jf jb < <("$E2E_PY" -c '
import json, sys
j = json.loads(sys.argv[1])
assert set(j) == {"digest", "files", "bytes"}, sorted(j)
print(j["digest"], j["files"], j["bytes"])' "$json") || fail "--json output is not the expected object: $json"
assert_eq "$D" "$jd" "--json digest"
assert_eq 7 "$jf" "--json files (regular files only)"
assert_eq 289 "$jb" "--json bytes (6+6+1+2+18+0+256)"

# layer ls: exact listing, bytewise sorted by path, symlink targets shown.
expected='f 0644 1 Z-upper.txt
f 0644 6 a.txt
d 0755 0 bin
f 0755 18 bin/run.sh
l 0777 14 dangling -> does/not/exist
d 0755 0 dir
f 0644 2 dir-x.txt
f 0644 0 dir/empty.txt
l 0777 13 dir/link-up -> ../bin/run.sh
d 0755 0 dir/sub
f 0600 256 dir/sub/deep.bin
f 0644 6 dup.txt
d 0755 0 emptydir
l 0777 5 link-rel -> a.txt'
ls_out=$("$WIMG" --store "$S" layer ls "$D") || fail "layer ls exited $?"
got=$(printf '%s\n' "$ls_out" | awk '{$1=$1};1')
[[ "$got" == "$expected" ]] || fail "layer ls output (whitespace-normalised) differs:
--- expected
$expected
--- got
$ls_out"
# layer ls --json agrees: same paths, digests of the file contents, targets.
"$E2E_PY" - "$("$WIMG" --store "$S" layer ls --json "$D")" "$SMALL" <<'PY' || fail "layer ls --json does not match the tree"
import hashlib, json, os, sys
entries = json.loads(sys.argv[1])
root = sys.argv[2]
paths = [e["path"] for e in entries]
assert paths == sorted(paths, key=lambda p: p.encode()), paths
for e in entries:
    p = os.path.join(root, e["path"])
    if e["kind"] == "file":
        want = "sha256:" + hashlib.sha256(open(p, "rb").read()).hexdigest()
        assert e["digest"] == want, (e, want)
        assert e["size"] == os.path.getsize(p), e
    elif e["kind"] == "symlink":
        assert e["target"] == os.readlink(p), e
    elif e["kind"] != "dir":
        raise AssertionError(e)
PY

# --- digest stability -----------------------------------------------------
# The same tree as archives gives the same digest.
tar cf small.tar -C "$SMALL" .
assert_eq "$D" "$(wimg_add "$S" small.tar)" "digest of 'tar cf -C tree .'"
(cd "$SMALL" && shopt -s dotglob && tar cf "$E2E_TMP/small-names.tar" -- *)
assert_eq "$D" "$(wimg_add "$S" small-names.tar)" "digest of a tar without ./ prefixes"
tar czf small.tar.gz -C "$SMALL" .
assert_eq "$D" "$(wimg_add "$S" small.tar.gz)" "digest of the tree as tar.gz"
tar cJf small.tar.xz -C "$SMALL" .
assert_eq "$D" "$(wimg_add "$S" small.tar.xz)" "digest of the tree as tar.xz"
tar cjf small.tar.bz2 -C "$SMALL" .
assert_eq "$D" "$(wimg_add "$S" small.tar.bz2)" "digest of the tree as tar.bz2"
if command -v zstd >/dev/null; then
  tar --zstd -cf small.tar.zst -C "$SMALL" .
  assert_eq "$D" "$(wimg_add "$S" small.tar.zst)" "digest of the tree as tar.zst"
fi
if command -v zip >/dev/null; then
  (cd "$SMALL" && zip -qry "$E2E_TMP/small.zip" .)
  assert_eq "$D" "$(wimg_add "$S" small.zip)" "digest of the tree as zip"
fi

# Another location, touched mtimes, another creation order: same digest.
mkdir -p elsewhere/deeper
cp -a "$SMALL" elsewhere/deeper/copy
assert_eq "$D" "$(wimg_add "$S" elsewhere/deeper/copy)" "digest of a copy in another location (relative path)"
find elsewhere/deeper/copy -exec touch -h -d '2001-02-03 04:05:06' {} +
assert_eq "$D" "$(wimg_add "$S" "$E2E_TMP/elsewhere/deeper/copy")" "digest after touching every mtime"
mkdir rev
(  # Same tree, created in the opposite order.
  cd rev
  ln -s a.txt link-rel; ln -s does/not/exist dangling
  mkdir -p emptydir dir/sub bin
  ln -s ../bin/run.sh dir/link-up
  "$E2E_PY" -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)))' dir/sub/deep.bin
  : >dir/empty.txt; printf '#!/bin/sh\necho hi\n' >bin/run.sh; printf 'x\n' >dir-x.txt
  printf 'Z' >Z-upper.txt; printf 'hello\n' >dup.txt; printf 'hello\n' >a.txt
  chmod 0755 bin/run.sh bin dir dir/sub emptydir; chmod 0600 dir/sub/deep.bin
)
assert_eq "$D" "$(wimg_add "$S" rev)" "digest of the tree created in reverse order"

# Larger generated trees: forward, reverse and shuffled creation orders.
gen_tree gen-fwd 1500 cli --symlinks 30 --big 1
gen_tree gen-rev 1500 cli --symlinks 30 --big 1 --order reverse
gen_tree gen-shuf 1500 cli --symlinks 30 --big 1 --order shuffle
G=$(wimg_add "$S" gen-fwd)
assert_eq "$G" "$(wimg_add "$S" gen-rev)" "digest of the generated tree created in reverse order"
assert_eq "$G" "$(wimg_add "$S" gen-shuf)" "digest of the generated tree created in shuffled order"
tar cf gen.tar -C gen-fwd .
assert_eq "$G" "$(wimg_add "$S" gen.tar)" "digest of the generated tree as tar"
read -r gfiles gbytes _ _ < <(tree_stats gen-fwd)
gjson=$("$WIMG" --store "$S" layer add --json gen-shuf | tail -n 1)
assert_eq "$G $gfiles $gbytes" "$("$E2E_PY" -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["digest"], j["files"], j["bytes"])' "$gjson")" \
  "--json of the generated tree"

# Sanity: the digest does change when content or mode changes.
cp -a "$SMALL" changed
chmod u+w changed/dir/sub/deep.bin
printf '\x01' | dd of=changed/dir/sub/deep.bin bs=1 seek=100 conv=notrunc 2>/dev/null
assert_ne "$D" "$(wimg_add "$S" changed)" "digest after changing one byte"
cp -a "$SMALL" moded
chmod 0640 moded/a.txt
assert_ne "$D" "$(wimg_add "$S" moded)" "digest after chmod"
verify_clean "$S" "store after the digest checks"

# Store location: $WIMG_STORE is used, --store wins over it.
WIMG_STORE=$E2E_TMP/envstore "$WIMG" layer add "$SMALL" >/dev/null || fail "layer add with WIMG_STORE exited $?"
[[ -f "$E2E_TMP/envstore/objects/sha256/${D:7:2}/${D:9}" ]] || fail "WIMG_STORE was not used as the store"
WIMG_STORE=$E2E_TMP/envstore "$WIMG" --store "$E2E_TMP/flagstore" layer add "$SMALL" >/dev/null || fail "layer add with --store exited $?"
[[ -f "$E2E_TMP/flagstore/objects/sha256/${D:7:2}/${D:9}" ]] || fail "--store did not override WIMG_STORE"

# Errors: a missing path fails without printing a digest.
run_capture out rc "$WIMG" --store "$S" layer add "$E2E_TMP/does-not-exist"
[[ $rc != 0 ]] || fail "layer add of a missing path exited 0: $out"
assert_not_contains "sha256:" "$out" "layer add of a missing path"

# --- images, tag, rmi, prune ----------------------------------------------
I=$E2E_TMP/istore
L=$(wimg_add "$I" "$SMALL")
n_layer_objects=$(count_objects "$I")
out=$("$WIMG" --store "$I" image create -t app:1 --layer "$L") || fail "image create exited $?: $out"
IMG=$(printf '%s\n' "$out" | tail -n 1)
assert_match 'sha256:[0-9a-f]{64}' "$IMG" "image create output"
assert_eq $(( n_layer_objects + 1 )) "$(count_objects "$I")" "objects after image create (layer + manifest)"
images_json() {
  "$E2E_PY" -c '
import json, sys
for i in sorted(json.loads(sys.argv[1]), key=lambda i: i["ref"]):
    print(i["ref"], i["digest"], i["layers"], i["size"])' "$("$WIMG" --store "$I" images --json)"
}
assert_eq "app:1 $IMG 1 289" "$(images_json)" "images --json after image create"
listing=$("$WIMG" --store "$I" images)
assert_match '.*app +1 +'"${IMG:7:12}"' .*' "$(printf '%s\n' "$listing" | grep '^app ' || true)" "images table row for app:1"
assert_eq "${IMG:7:12}" "$("$WIMG" --store "$I" images -q | sort -u)" "images -q"

"$WIMG" --store "$I" tag app:1 app:2 >/dev/null || fail "tag exited $?"
assert_eq "app:1 $IMG 1 289
app:2 $IMG 1 289" "$(images_json)" "images --json after tag"

# While named, prune keeps everything.
before=$(count_objects "$I")
"$WIMG" --store "$I" prune >/dev/null || fail "prune exited $?"
assert_eq "$before" "$(count_objects "$I")" "objects after prune with two names"
"$WIMG" --store "$I" rmi app:1 >/dev/null || fail "rmi app:1 exited $?"
assert_eq "app:2 $IMG 1 289" "$(images_json)" "images --json after rmi app:1"
"$WIMG" --store "$I" prune >/dev/null || fail "prune exited $?"
assert_eq "$before" "$(count_objects "$I")" "objects after prune with one name left"
verify_clean "$I" "image store while named"
run_capture out rc "$WIMG" --store "$I" rmi app:1
[[ $rc != 0 ]] || fail "rmi of an already removed name exited 0: $out"

# An image built from a directory path shares the layer.
"$WIMG" --store "$I" image create -t dir:1 --layer "$SMALL" >/dev/null || fail "image create --layer PATH exited $?"
"$WIMG" --store "$I" rmi app:2 >/dev/null || fail "rmi app:2 exited $?"
"$WIMG" --store "$I" prune >/dev/null || fail "prune exited $?"
"$WIMG" --store "$I" layer ls "$L" >/dev/null || fail "layer $L was pruned although image dir:1 uses it"
verify_clean "$I" "image store with dir:1"

# After the last name goes, prune removes every object.
"$WIMG" --store "$I" rmi dir:1 >/dev/null || fail "rmi dir:1 exited $?"
assert_eq "" "$(images_json)" "images --json after removing every name"
before=$(count_objects "$I")
dry=$("$WIMG" --store "$I" prune -n) || fail "prune -n exited $?"
assert_eq "$before" "$(count_objects "$I")" "objects after prune --dry-run"
"$WIMG" --store "$I" prune >/dev/null || fail "prune exited $?"
assert_eq 0 "$(count_objects "$I")" "objects after prune with no names (dry run said: $dry)"
verify_clean "$I" "empty image store"

# --- store verify detects damage -------------------------------------------
V=$E2E_TMP/vstore
VL=$(wimg_add "$V" "$SMALL")
verify_clean "$V" "fresh store"
obj_of() {  # PATH_IN_LAYER -> object digest
  "$E2E_PY" -c '
import json, sys
for e in json.loads(sys.argv[1]):
    if e["path"] == sys.argv[2]:
        print(e["digest"])' "$("$WIMG" --store "$V" layer ls --json "$VL")" "$1"
}
deep=$(obj_of dir/sub/deep.bin)
assert_eq "sha256:$("$E2E_PY" -c 'import hashlib; print(hashlib.sha256(bytes(range(256))).hexdigest())')" "$deep" "object of dir/sub/deep.bin"
deep_path=$V/objects/sha256/${deep:7:2}/${deep:9}
[[ -f "$deep_path" ]] || fail "object file $deep_path is missing"

# Flip one byte of an object.
chmod u+w "$deep_path"
flip() { "$E2E_PY" -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[17] ^= 0x40
open(p, "wb").write(bytes(b))' "$1"; }
flip "$deep_path"
run_capture out rc "$WIMG" --store "$V" store verify
assert_eq 5 "$rc" "store verify exit code with a corrupt object"
assert_contains "$deep_path" "$out" "store verify with a corrupt object names its path"
assert_contains "problem:" "$out" "store verify with a corrupt object"
# Verify moved the corrupt object aside: adding the content again restores it.
[[ ! -e "$deep_path" ]] || fail "store verify left the corrupt object in place"
wimg_add "$V" "$SMALL" >/dev/null
[[ -f "$deep_path" ]] || fail "adding the content again did not restore $deep_path"
verify_clean "$V" "after adding the content again"

# Remove an object the layer references.
run_obj=$(obj_of bin/run.sh)
rm -f "$V/objects/sha256/${run_obj:7:2}/${run_obj:9}"
run_capture out rc "$WIMG" --store "$V" store verify
assert_eq 5 "$rc" "store verify exit code with a missing object"
assert_contains "$run_obj" "$out" "store verify names the missing object"
assert_contains "$VL" "$out" "store verify names the layer with the missing object"
assert_contains "missing" "$out" "store verify with a missing object"

echo "test_cli_basics: ok"
