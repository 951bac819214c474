#!/usr/bin/env bash
# Images made by other tools (docs/FORMATS.md, "Foreign images"): an OCI
# image umoci built (three layers: files, a whiteout of its own file, a
# whiteout of a base file; linux/amd64; Env, Entrypoint, WorkingDir,
# Labels, Volumes) is refused by `wimg load` and `wimg pull` without a base,
# with an error saying what it lacks and what to do, and nothing stored;
# with --base its layers are imported above the base image's: the tree is
# the base's with umoci's on top (`umoci unpack` is the oracle), the config
# is the foreign one over the base's, the digest is the same from a layout
# directory, from a skopeo oci-archive of the registry copy (unnamed: -t
# names it) and from `wimg pull`; the store verifies clean. A FROM of it is
# refused; imported, it pushes and pulls back like any wimg image.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_dist_foreign
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
command -v skopeo >/dev/null || fail "skopeo is required (scripts/setup)"
command -v umoci >/dev/null || fail "umoci is required (scripts/setup)"
# shellcheck source=dist_fixture.sh
source "$(dirname "$0")/dist_fixture.sh"
dist_fixture  # app:1: the base image here (etc/motd, usr/app.rb, ...)
manifest_of() {  # STORE DIGEST: the stored wimg image manifest
  local hex=${2#sha256:}
  cat "$1/objects/sha256/${hex:0:2}/${hex:2}"
}

# --- a foreign image, made by umoci --------------------------------------------
L=$E2E_TMP/lay
umoci init --layout "$L"
umoci new --image "$L:app"
umoci unpack --rootless --image "$L:app" "$E2E_TMP/b" >/dev/null
mkdir -p "$E2E_TMP/b/rootfs/app" "$E2E_TMP/b/rootfs/lib"
echo 'puts "hi from oci"' >"$E2E_TMP/b/rootfs/app/main.rb"
echo gone >"$E2E_TMP/b/rootfs/lib/gone.rb"
ln -s main.rb "$E2E_TMP/b/rootfs/app/link.rb"
umoci repack --refresh-bundle --image "$L:app" "$E2E_TMP/b" >/dev/null
rm "$E2E_TMP/b/rootfs/lib/gone.rb"
echo more >"$E2E_TMP/b/rootfs/app/more.txt"
umoci repack --image "$L:app" "$E2E_TMP/b" >/dev/null  # layer 2: lib/.wh.gone.rb
# Layer 3, a tar of our own: a whiteout of the base's etc/motd.
python3 - "$E2E_TMP/l3.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("etc/"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    w = tarfile.TarInfo("etc/.wh.motd"); t.addfile(w, io.BytesIO(b""))
    f = tarfile.TarInfo("etc/oci.conf"); data = b"from oci\n"; f.size = len(data); t.addfile(f, io.BytesIO(data))
PY
umoci raw add-layer --image "$L:app" "$E2E_TMP/l3.tar"
umoci config --image "$L:app" --os linux --architecture amd64 --config.env APP_MODE=foreign --config.env MODE2=x \
  --config.entrypoint /app/main.rb --config.workingdir /app --config.label org.example.k=v --config.volume /data
umoci unpack --rootless --image "$L:app" "$E2E_TMP/u" >/dev/null  # the oracle's tree

# --- refused without a base ---------------------------------------------------------
E=$E2E_TMP/empty
expect_rc 3 "load of a foreign image without --base" "$WIMG" --store "$E" load -i "$L"
err=$(cat "$E2E_TMP/err")
assert_contains "not a wimg image (its config has no \"wimg\" object: made by another tool, a linux/amd64 image of 3 layers" "$err" "what it lacks"
assert_contains "wimg load --base IMAGE" "$err" "what to do"
assert_eq 0 "$(count_objects "$E")" "objects after the refused load"

# --- imported onto app:1 --------------------------------------------------------------
W load -i "$L" --base app:1 -t foreign:1 >"$E2E_TMP/load.out" 2>"$E2E_TMP/load.err"
assert_contains "Loaded image: foreign:1 (sha256:" "$(cat "$E2E_TMP/load.out")" "load names the image as -t says"
assert_contains ", imported onto app:1" "$(cat "$E2E_TMP/load.out")" "load says it imported onto the base"
assert_contains "foreign:1 is a linux/amd64 image: its files were imported, but its programs are not WebAssembly" \
  "$(cat "$E2E_TMP/load.err")" "a warning names the platform"
F=$(digest_of "$S" foreign:1)
verify_clean "$S" "store after the foreign load"
W export app:1 -o "$E2E_TMP/want" >/dev/null
rm "$E2E_TMP/want/etc/motd"
rm "$E2E_TMP/want/lib"  # app:1's symlink lib -> usr/lib; umoci's directory lib replaces it
cp -a "$E2E_TMP/u/rootfs/." "$E2E_TMP/want/"
W export foreign:1 -o "$E2E_TMP/got" >/dev/null
diff -r --no-dereference "$E2E_TMP/want" "$E2E_TMP/got" || fail "the imported tree is not app:1's with umoci's on top"
[[ ! -e "$E2E_TMP/got/lib/gone.rb" && ! -e "$E2E_TMP/got/etc/motd" ]] || fail "a whiteout was not applied"
assert_eq "main.rb" "$(readlink "$E2E_TMP/got/app/link.rb")" "the symlink"
manifest_of "$S" "$F" | python3 -c '
import json, sys
m = json.load(sys.stdin); c = m["config"]
assert len(m["layers"]) == 5, m["layers"]                       # app:1 two + umoci three
assert c["env"] == ["APP_MODE=foreign", "MODE2=x"], c["env"]    # by key over the base ENV APP_MODE=prod
assert c["entrypoint"] == ["/app/main.rb"] and c["cmd"] is None, c  # an Entrypoint drops the base CMD
assert c["workdir"] == "/app", c
assert c["labels"] == {"org.example.name": "app", "org.example.k": "v"}, c["labels"]
assert c["volumes"] == ["/data"], c
assert m["layers"][2]["created_by"] == "umoci repack", m["layers"]
assert any(h["created_by"].startswith("IMPORT OCI image sha256:") for h in m["history"]), m["history"]
' || fail "the imported config: $(manifest_of "$S" "$F")"

# The same layout onto the same base gives the same image in another store.
W save app:1 two:1 -o "$E2E_TMP/images.tar"
S2=$E2E_TMP/store2
"$WIMG" --store "$S2" load -i "$E2E_TMP/images.tar" >/dev/null
"$WIMG" --store "$S2" load -i "$L" --base app:1 -t foreign:1 >/dev/null 2>&1
assert_eq "$F" "$(digest_of "$S2" foreign:1)" "image digest of the same import in another store"
# --base is only for foreign images; -t only for one image.
"$WIMG" --store "$S2" load -i "$E2E_TMP/images.tar" --base app:1 >/dev/null 2>"$E2E_TMP/w.err"
assert_contains "--base app:1 not used for app:1: it is a wimg image" "$(cat "$E2E_TMP/w.err")" "--base on a wimg layout"
expect_rc 2 "-t with two images" "$WIMG" --store "$S2" load -i "$E2E_TMP/images.tar" -t x:1
assert_contains "-t names one image; the layout holds 2" "$(cat "$E2E_TMP/err")" "-t with two images"
expect_rc 4 "--base naming no image" "$WIMG" --store "$S2" load -i "$L" --base nope:1

# --- through a registry: skopeo's copies and wimg pull -------------------------------------
start_registry reg
skopeo copy -q --dest-tls-verify=false "oci:$L:app" "docker://$REG/ext/app:1" >/dev/null
# A layout skopeo wrote from the registry, without a ref name: loaded by
# digest (unnamed), or named with -t.
skopeo copy -q --src-tls-verify=false "docker://$REG/ext/app:1" "oci-archive:$E2E_TMP/sk.tar" >/dev/null
"$WIMG" --store "$S2" load -i "$E2E_TMP/sk.tar" --base app:1 >"$E2E_TMP/sk.out" 2>/dev/null
assert_contains "Loaded image ID: $F (unnamed" "$(cat "$E2E_TMP/sk.out")" "a skopeo oci-archive of the registry copy"
"$WIMG" --store "$S2" load -i "$E2E_TMP/sk.tar" --base app:1 -t sk:1 >/dev/null 2>&1
assert_eq "$F" "$(digest_of "$S2" sk:1)" "-t names the unnamed image"
P=$E2E_TMP/pulled
"$WIMG" --store "$P" load -i "$E2E_TMP/images.tar" >/dev/null
n=$(count_objects "$P")
expect_rc 3 "pull of a foreign image without --base" "$WIMG" --store "$P" pull "$REG/ext/app:1"
assert_contains "not a wimg image" "$(cat "$E2E_TMP/err")" "pull without --base"
assert_eq "$n" "$(count_objects "$P")" "objects after the refused pull"
"$WIMG" --store "$P" pull --base app:1 "$REG/ext/app:1" >"$E2E_TMP/pull.out" 2>/dev/null
assert_contains "imported onto app:1 (an image made by another tool, linux/amd64)" "$(cat "$E2E_TMP/pull.out")" "pull --base"
assert_eq "$F" "$(tail -n 1 "$E2E_TMP/pull.out")" "image digest after pull --base"
verify_clean "$P" "store after pull --base"
# A FROM naming the foreign image in a registry is refused the same way.
mkdir -p "$E2E_TMP/fctx"
printf 'FROM %s/ext/app:1\n' "$REG" >"$E2E_TMP/fctx/Wasmfile"
expect_rc 3 "FROM a foreign registry image" "$WIMG" --store "$E2E_TMP/from" build "$E2E_TMP/fctx"
assert_contains "Wasmfile:1: FROM $REG/ext/app:1" "$(cat "$E2E_TMP/err")" "the error names the line"
assert_contains "not a wimg image" "$(cat "$E2E_TMP/err")" "and says why"
# Imported, it is a wimg image like any other: pushed and pulled back whole.
W push foreign:1 "$REG/ext/imported:1" >/dev/null
"$WIMG" --store "$E2E_TMP/again" pull "$REG/ext/imported:1" >"$E2E_TMP/again.out" 2>/dev/null
assert_eq "$F" "$(tail -n 1 "$E2E_TMP/again.out")" "the imported image pushed and pulled into an empty store"

# docker save (25+) names an image twice: the full name, and a tag-only ref name.
D=$E2E_TMP/dockerish
cp -r "$L" "$D"
python3 - "$D/index.json" <<'PY'
import json, sys
idx = json.load(open(sys.argv[1]))
idx["manifests"][0]["annotations"] = {"io.containerd.image.name": "docker.io/library/ext:2",
                                      "org.opencontainers.image.ref.name": "2"}
json.dump(idx, open(sys.argv[1], "w"))
PY
"$WIMG" --store "$S2" load -i "$D" --base app:1 >"$E2E_TMP/d.out" 2>/dev/null
assert_contains "Loaded image: docker.io/library/ext:2 ($F)" "$(cat "$E2E_TMP/d.out")" "the containerd name annotation"

# --- an image index is named as such ----------------------------------------------------------
I=$E2E_TMP/idx
cp -r "$L" "$I"
python3 - "$I" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
idx = json.load(open(f"{d}/index.json"))
inner = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": idx["manifests"]}
raw = json.dumps(inner).encode()
h = hashlib.sha256(raw).hexdigest()
open(f"{d}/blobs/sha256/{h}", "wb").write(raw)
idx["manifests"] = [{"mediaType": inner["mediaType"], "digest": "sha256:" + h, "size": len(raw),
                     "annotations": {"org.opencontainers.image.ref.name": "multi:1"}}]
json.dump(idx, open(f"{d}/index.json", "w"))
PY
expect_rc 3 "a layout naming an image index" "$WIMG" --store "$S2" load -i "$I" --base app:1
assert_contains "an image index (one manifest per platform), not an image" "$(cat "$E2E_TMP/err")" "index"
note "ok"
