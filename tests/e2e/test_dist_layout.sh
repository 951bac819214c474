#!/usr/bin/env bash
# wimg save / load (docs/FORMATS.md, "OCI mapping"): two images on one base
# saved as one OCI image layout tar (byte-identical when saved twice) load
# into an empty store with the same image digests and render byte-identical
# .wasm files; Debian's skopeo reads the archive and umoci unpacks the
# same tree as `wimg export`; a base already in the store need not be in the
# archive; the compressed layer blobs kept as a cache are counted and
# removed by prune; damaged archives fail naming the member and change nothing.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_dist_layout
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
W2() { "$WIMG" --store "$E2E_TMP/store2" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
command -v skopeo >/dev/null || fail "skopeo is required (scripts/setup)"
command -v umoci >/dev/null || fail "umoci is required (scripts/setup)"

# shellcheck source=dist_fixture.sh
source "$(dirname "$0")/dist_fixture.sh"
dist_fixture

# --- save: one layout tar, reproducible ----------------------------------------
W save app:1 two:1 -o "$E2E_TMP/images.tar"
W save app:1 two:1 -o "$E2E_TMP/again.tar"
cmp "$E2E_TMP/images.tar" "$E2E_TMP/again.tar" || fail "saving twice gave different archives"
members=$(tar tf "$E2E_TMP/images.tar")
assert_contains "oci-layout" "$members" "layout marker"
assert_contains "index.json" "$members" "layout index"
# base wasm once, though both images use it
base_hex=$(sha256sum "$C/base.wasm" | cut -c1-64)
assert_eq 1 "$(grep -c "blobs/sha256/$base_hex" <<<"$members")" "the base module is one blob"

# The compressed layer blobs stay as a cache until prune, which counts them apart;
# after it, save makes them anew: the same archive.
assert_contains "compressed layer blobs kept by save/push" "$(W prune -n)" "prune -n counts the kept layer blobs"
W prune >"$E2E_TMP/prune.out"
assert_contains "compressed layer blobs kept by save/push" "$(cat "$E2E_TMP/prune.out")" "prune counts what it removed"
assert_not_contains "compressed layer blobs" "$(W prune -n)" "nothing kept after prune"
W save app:1 two:1 -o "$E2E_TMP/after-prune.tar"
cmp "$E2E_TMP/images.tar" "$E2E_TMP/after-prune.tar" || fail "the archive saved after prune differs"

# --- load into an empty store: same digests, same bytes --------------------------
W2 load -i "$E2E_TMP/images.tar" >"$E2E_TMP/load.out"
assert_contains "Loaded image: app:1 (sha256:" "$(cat "$E2E_TMP/load.out")" "load names app:1"
assert_contains "Loaded image: two:1 (sha256:" "$(cat "$E2E_TMP/load.out")" "load names two:1"
refs_of() { "$WIMG" --store "$1" images --json | python3 -c 'import json,sys;[print(i["ref"],i["digest"]) for i in sorted(json.load(sys.stdin),key=lambda i:i["ref"])]'; }
assert_eq "$(refs_of "$S")" "$(refs_of "$E2E_TMP/store2")" "names and image digests after load"
verify_clean "$E2E_TMP/store2" "store after load"
mkdir -p "$E2E_TMP/r"
printf 'FROM app:1\n' >"$E2E_TMP/r/Wasmfile"
W2 build -o "$E2E_TMP/app2.wasm" "$E2E_TMP/r" >/dev/null
cmp "$E2E_TMP/app1.wasm" "$E2E_TMP/app2.wasm" || fail "the loaded image renders different bytes"
printf 'FROM two:1\n' >"$E2E_TMP/r/Wasmfile"
W2 build -o "$E2E_TMP/two2.wasm" "$E2E_TMP/r" >/dev/null
cmp "$E2E_TMP/two1.wasm" "$E2E_TMP/two2.wasm" || fail "the loaded second image renders different bytes"
# Loading again adds nothing.
n=$(count_objects "$E2E_TMP/store2")
W2 load -i "$E2E_TMP/images.tar" >/dev/null
assert_eq "$n" "$(count_objects "$E2E_TMP/store2")" "objects after a second load"

# --- other tools read it ----------------------------------------------------------
ins=$(skopeo inspect "oci-archive:$E2E_TMP/images.tar:app:1")
assert_contains '"Architecture": "wasm"' "$ins" "skopeo sees the platform"
assert_contains '"APP_MODE=prod"' "$ins" "skopeo sees ENV"
assert_contains '"org.example.name": "app"' "$ins" "skopeo sees LABEL"
dins=$(skopeo inspect "docker-archive:$E2E_TMP/images.tar:app:1")
assert_contains '"APP_MODE=prod"' "$dins" "skopeo reads the docker save index (manifest.json)"
mkdir -p "$E2E_TMP/layout"
tar xf "$E2E_TMP/images.tar" -C "$E2E_TMP/layout"
umoci raw unpack --rootless --image "$E2E_TMP/layout:app:1" "$E2E_TMP/rootfs" >/dev/null 2>&1 ||
  fail "umoci raw unpack failed: $(umoci raw unpack --rootless --image "$E2E_TMP/layout:app:1" "$E2E_TMP/rootfs2" 2>&1)"
W export app:1 -o "$E2E_TMP/exported" >/dev/null
diff -r --no-dereference "$E2E_TMP/exported" "$E2E_TMP/rootfs" || fail "umoci's tree differs from wimg export"
[[ ! -e "$E2E_TMP/rootfs/etc/conf" ]] || fail "the whiteout did not hide etc/conf for umoci"
# A layout directory loads too.
W2 rmi app:1 two:1 >/dev/null
W2 load -i "$E2E_TMP/layout" >/dev/null
W2 images | grep -q '^app ' || fail "load of a layout directory"

# --- a store that has the base needs no base blob ---------------------------------
mkdir -p "$E2E_TMP/nobase"
cp -r "$E2E_TMP/layout/." "$E2E_TMP/nobase/"
rm "$E2E_TMP/nobase/blobs/sha256/$base_hex"
"$WIMG" --store "$E2E_TMP/s3" image create --base "$C/base.wasm" -t b:1 >/dev/null
"$WIMG" --store "$E2E_TMP/s3" load -i "$E2E_TMP/nobase" >/dev/null
"$WIMG" --store "$E2E_TMP/s3" images | grep -q '^app ' || fail "load with the base already stored"

# --- damaged archives: clear errors, nothing committed ----------------------------
E=$E2E_TMP/empty
bad_load() {  # WHAT RC NEEDLE LAYOUT
  rm -rf "$E"
  expect_rc "$2" "$1" "$WIMG" --store "$E" load -i "$4"
  assert_contains "$3" "$(cat "$E2E_TMP/err")" "$1"
  if [[ -d "$E/objects" ]]; then assert_eq 0 "$(count_objects "$E")" "$1: objects committed"; fi
  "$WIMG" --store "$E" images | grep -qv REPOSITORY && fail "$1: a name was created" || true
}
layer_hex=$(python3 -c 'import json,sys;m=json.load(open(sys.argv[1]+"/blobs/sha256/"+json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"][7:]));print(m["layers"][-1]["digest"][7:])' "$E2E_TMP/layout")
mkdir -p "$E2E_TMP/flip"
cp -r "$E2E_TMP/layout/." "$E2E_TMP/flip/"
chmod u+w "$E2E_TMP/flip/blobs/sha256/$layer_hex"
printf 'X' | dd of="$E2E_TMP/flip/blobs/sha256/$layer_hex" bs=1 seek=20 conv=notrunc status=none
bad_load "a flipped byte in a layer" 5 "member blobs/sha256/$layer_hex: content has digest" "$E2E_TMP/flip"
rm "$E2E_TMP/flip/blobs/sha256/$layer_hex"
bad_load "a missing layer blob" 3 "member blobs/sha256/$layer_hex is missing" "$E2E_TMP/flip"
(cd "$E2E_TMP/flip" && tar cf "$E2E_TMP/flip.tar" .)
bad_load "a missing layer blob (tar)" 3 "flip.tar: member blobs/sha256/$layer_hex is missing" "$E2E_TMP/flip.tar"
head -c 3000 "$E2E_TMP/images.tar" >"$E2E_TMP/trunc.tar"
bad_load "a truncated archive" 3 "trunc.tar" "$E2E_TMP/trunc.tar"
echo "not a tar" >"$E2E_TMP/noise.tar"
bad_load "not an archive" 3 "noise.tar" "$E2E_TMP/noise.tar"
note "ok"
