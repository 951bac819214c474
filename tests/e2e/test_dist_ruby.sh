#!/usr/bin/env bash
# The real thing through Debian's docker-registry: ruby:3.4 (`wimg import` of
# npm's CRuby, examples/ruby/base/build.sh) and two apps on it (examples/ruby
# hello and multi) pushed, then pulled into a fresh store, and saved, then
# loaded into another: the same image digests, byte-identical `build -o`
# output, a clean store. The 16 MB base
# module goes up in PATCH chunks (the registry's access log shows them);
# through a proxy that refuses chunks (405), the upload falls back to one
# PUT. An app's push does not tar the base's layer again (its blob name is
# remembered). Pulling the second app into a store that has the first
# fetches at most 1.05x its own bytes. An app umoci made (a foreign OCI
# image) loads onto ruby:3.4 with --base and runs. One store, one import (the slow part, ~10-25 s).
set -euo pipefail
# shellcheck source=../../scripts/lib/paths.sh
source "$(dirname "$0")/../../scripts/lib/paths.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_dist_ruby
umask 022
unset SOURCE_DATE_EPOCH
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
# shellcheck source=dist_fixture.sh
source "$(dirname "$0")/dist_fixture.sh"
EX=$WIMG_REPO/examples/ruby
[[ -f "$RUBY_DIST/ruby.wasm" ]] || fail "no $RUBY_DIST/ruby.wasm (run scripts/setup)"
render() {  # STORE IMAGE OUT
  mkdir -p "$E2E_TMP/r"
  printf 'FROM %s\n' "$2" >"$E2E_TMP/r/Wasmfile"
  "$WIMG" --store "$1" build -o "$3" "$E2E_TMP/r" >/dev/null
}

WIMG=$WIMG bash "$EX/base/build.sh" --store "$S" >"$E2E_TMP/base.log" 2>&1 || fail "base: $(tail -n 5 "$E2E_TMP/base.log")"
for app in hello multi; do
  W build -t "$app:1" -o "$E2E_TMP/$app.wasm" "$EX/$app" >/dev/null
done
start_registry reg

note "push ruby:3.4 and two apps"
W push ruby:3.4 "$REG/team/ruby:3.4" >/dev/null 2>"$E2E_TMP/push.err"
assert_contains "push $REG/team/ruby:3.4: uploaded 4 blobs" "$(cat "$E2E_TMP/push.err")" "the summary line on stderr (not a tty)"
# The apps' lower layer is ruby's stdlib (1,776 files): known by name from
# the first push (cache/dist/layers), mounted, never tarred again — the
# push opens only the app's own objects.
for img in hello:1 multi:1; do
  strace -f -qq -e trace=openat -o "$E2E_TMP/push.trace" "$WIMG" --store "$S" push "$img" "$REG/team/$img" >"$E2E_TMP/push.out" 2>/dev/null
  assert_contains "2 blobs uploaded" "$(cat "$E2E_TMP/push.out")" "$img: its layer and config"
  opened=$(grep -c '/objects/sha256/' "$E2E_TMP/push.trace" || true)
  (( opened < 100 )) || fail "$img: the push opened $opened store objects (the base's layer was tarred again)"
done
patches=$(grep -c '"PATCH /v2/team/ruby/blobs/uploads/' "$REG_LOG" || true)
(( patches >= 2 )) || fail "the 16 MB base should go up in 8 MiB PATCH chunks; the registry saw $patches PATCH"

note "pull into a fresh store: same digests, same bytes"
P=$E2E_TMP/pulled
for img in ruby:3.4 hello:1 multi:1; do
  "$WIMG" --store "$P" pull "$REG/team/$img" >"$E2E_TMP/pull.out" 2>/dev/null
  assert_eq "$(digest_of "$S" "$img")" "$(tail -n 1 "$E2E_TMP/pull.out")" "$img: image digest after pull"
done
verify_clean "$P" "store after pulling ruby:3.4 and two apps"
for app in hello multi; do
  render "$P" "$REG/team/$app:1" "$E2E_TMP/$app.pulled.wasm"
  cmp "$E2E_TMP/$app.wasm" "$E2E_TMP/$app.pulled.wasm" || fail "$app: the pulled image renders different bytes"
done

note "save -> load into a fresh store: same digests, same bytes"
W save ruby:3.4 hello:1 multi:1 -o "$E2E_TMP/all.tar"
LD=$E2E_TMP/loaded
"$WIMG" --store "$LD" load -i "$E2E_TMP/all.tar" >/dev/null
for img in ruby:3.4 hello:1 multi:1; do
  assert_eq "$(digest_of "$S" "$img")" "$(digest_of "$LD" "$img")" "$img: image digest after load"
done
verify_clean "$LD" "store after loading ruby:3.4 and two apps"
for app in hello multi; do
  render "$LD" "$app:1" "$E2E_TMP/$app.loaded.wasm"
  cmp "$E2E_TMP/$app.wasm" "$E2E_TMP/$app.loaded.wasm" || fail "$app: the loaded image renders different bytes"
done

note "the second app into a store with the first: its own bytes only"
Q=$E2E_TMP/second
"$WIMG" --store "$Q" pull "$REG/team/hello:1" >/dev/null 2>&1
"$WIMG" --store "$Q" pull "$REG/team/multi:1" >"$E2E_TMP/pull2.out" 2>/dev/null
fetched=$(python3 -c 'import re,sys;print(re.search(r"\((\d+) bytes\)",open(sys.argv[1]).read()).group(1))' "$E2E_TMP/pull2.out")
own=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/team/multi/manifests/1" |
  python3 -c 'import json,sys;raw=sys.stdin.buffer.read();m=json.loads(raw);print(len(raw)+m["config"]["size"]+m["layers"][-1]["size"])')
python3 -c "import sys; sys.exit(0 if $fetched <= 1.05 * $own else 1)" ||
  fail "pulling multi:1 onto hello:1 fetched $fetched bytes; its own manifest, config and layer are $own"

note "an image umoci made (no wimg config), imported onto ruby:3.4, runs"
command -v umoci >/dev/null || fail "umoci is required (scripts/setup)"
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup)"
L=$E2E_TMP/umoci
umoci init --layout "$L"
umoci new --image "$L:app"
umoci unpack --rootless --image "$L:app" "$E2E_TMP/ub" >/dev/null
mkdir -p "$E2E_TMP/ub/rootfs/app"
printf 'puts "hi from oci, #{RUBY_VERSION}, #{ENV["GREETING"]}"\n' >"$E2E_TMP/ub/rootfs/app/main.rb"
umoci repack --image "$L:app" "$E2E_TMP/ub" >/dev/null
umoci config --image "$L:app" --config.env GREETING=hello --config.entrypoint /app/main.rb
W load -i "$L" --base ruby:3.4 -t ext:1 >/dev/null 2>&1
out=$(WIMG_NODE=$NODE W run ext:1)
assert_match '^hi from oci, 3\.4\.[0-9]+, hello$' "$out" "the imported app runs on ruby:3.4"

note "a registry that refuses chunks: one PUT instead"
python3 "$(dirname "$0")/flaky_proxy.py" "$E2E_TMP/nochunks.port" "$REG" no-chunks >"$E2E_TMP/nochunks.log" 2>&1 &
E2E_PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$E2E_TMP/nochunks.port" ]] && break; sleep 0.1; done
PX=127.0.0.1:$(cat "$E2E_TMP/nochunks.port")
rm -rf "$S/cache/dist"  # no mount hints: the base must be sent
W push ruby:3.4 "$PX/plain/ruby:3.4" >"$E2E_TMP/push3.out" 2>/dev/null || fail "push through a proxy refusing PATCH failed"
assert_contains "4 blobs uploaded" "$(cat "$E2E_TMP/push3.out")" "every blob sent"
grep -q '^fault PATCH' "$E2E_TMP/nochunks.log" || fail "the proxy saw no PATCH"
"$WIMG" --store "$E2E_TMP/plain" pull "$REG/plain/ruby:3.4" >"$E2E_TMP/pull3.out" 2>/dev/null
assert_eq "$(digest_of "$S" ruby:3.4)" "$(tail -n 1 "$E2E_TMP/pull3.out")" "ruby:3.4 sent in one PUT pulls back"
note "ok"
