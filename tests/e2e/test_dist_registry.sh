#!/usr/bin/env bash
# wimg push / pull against Debian's docker-registry on loopback: push sends
# only the blobs the registry lacks (counted in the registry's own access
# log), pull into an empty store gives the same image digest and a
# byte-identical rendered .wasm, by tag and by digest; a store that has the
# base fetches only the rest; 5xx answers and reset connections are retried; skopeo reads what wimg pushed and a layout
# skopeo copied from the registry loads back (umoci unpacks its layers into
# the tree wimg export shows); a registry serving wrong or
# missing bytes gets a clear error and leaves the store without the image;
# TLS + htpasswd, and Bearer tokens (auth: token, tests/e2e/token_issuer.mjs).
set -euo pipefail
# shellcheck source=../../scripts/lib/paths.sh
source "$(dirname "$0")/../../scripts/lib/paths.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_dist_registry
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
command -v skopeo >/dev/null || fail "skopeo is required (scripts/setup)"
# shellcheck source=dist_fixture.sh
source "$(dirname "$0")/dist_fixture.sh"
dist_fixture
start_registry reg
render() {  # STORE IMAGE OUT
  mkdir -p "$E2E_TMP/r"
  printf 'FROM %s\n' "$2" >"$E2E_TMP/r/Wasmfile"
  "$WIMG" --store "$1" build -o "$3" "$E2E_TMP/r" >/dev/null
}

# --- libcurl: loaded by the commands that transfer, never at start-up -----------
# (net/curl.h: one dlopen for base/ and dist/.) The pull is the control: the
# same LD_DEBUG output names libcurl once it is needed.
LD_DEBUG=libs "$WIMG" --version >/dev/null 2>"$E2E_TMP/ld.version"
assert_contains "calling init: " "$(cat "$E2E_TMP/ld.version")" "LD_DEBUG=libs traces the loader"
assert_not_contains "libcurl" "$(cat "$E2E_TMP/ld.version")" "wimg --version loads no libcurl"
LD_DEBUG=libs W images >/dev/null 2>"$E2E_TMP/ld.images"
assert_not_contains "libcurl" "$(cat "$E2E_TMP/ld.images")" "wimg images loads no libcurl"

# --- push: only what the registry lacks ------------------------------------------
W push app:1 "$REG/team/app:1" >"$E2E_TMP/push1"
assert_contains "5 blobs uploaded" "$(cat "$E2E_TMP/push1")" "first push: base wasm + its config, 2 layers, config"
assert_eq 5 "$(blob_puts)" "blob uploads the registry saw"
manifest=$(tail -n 1 "$E2E_TMP/push1")
assert_match 'sha256:[0-9a-f]{64}' "$manifest" "push prints the manifest digest"
W push app:1 "$REG/team/app:1" >"$E2E_TMP/push2"
assert_contains "0 blobs uploaded (0 bytes), 0 mounted, 5 already present" "$(cat "$E2E_TMP/push2")" "second push"
assert_eq 5 "$(blob_puts)" "no upload on the second push"
# two:1 shares the base and the lower layer: its own layer and config only.
W push two:1 "$REG/team/app:two" >"$E2E_TMP/push3"
assert_contains "2 blobs uploaded" "$(cat "$E2E_TMP/push3")" "push of an app on a pushed base"
assert_eq 7 "$(blob_puts)" "blob uploads after the second app"
# Into another repository: what the registry has elsewhere is mounted, only
# the app's own blobs (its layer, its config: 2 of 5) are sent.
W push two:1 "$REG/team/two:1" >"$E2E_TMP/push5"
assert_contains "0 blobs uploaded (0 bytes), 5 mounted" "$(cat "$E2E_TMP/push5")" "push to a new repository mounts"
assert_eq 7 "$(blob_puts)" "no upload when every blob can be mounted"
# Without mount hints (a store that never saw team/app), the second app on a
# base already in its repository sends exactly its own bytes.
W push app:1 "$REG/team/app3:1" >/dev/null
rm -rf "$S/cache/dist"
W push two:1 "$REG/team/app3:two" >"$E2E_TMP/push6"
assert_contains "2 blobs uploaded" "$(cat "$E2E_TMP/push6")" "second app on a base pushed to the same repository"
sent=$(python3 -c 'import re,sys;print(re.search(r"\((\d+) bytes\)",open(sys.argv[1]).read()).group(1))' "$E2E_TMP/push6")
own=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/team/app3/manifests/two" |
  python3 -c 'import json,sys;m=json.load(sys.stdin);print(m["config"]["size"]+m["layers"][-1]["size"])')
assert_eq "$own" "$sent" "the second app uploads exactly its own bytes (its layer and config)"

# --- pull into an empty store ------------------------------------------------------
P=$E2E_TMP/pulled
LD_DEBUG=libs "$WIMG" --store "$P" pull "$REG/team/app:1" >"$E2E_TMP/pull1" 2>"$E2E_TMP/ld.pull"
assert_contains "libcurl.so.4" "$(cat "$E2E_TMP/ld.pull")" "pull loads libcurl"
assert_eq "$(digest_of "$S" app:1)" "$(tail -n 1 "$E2E_TMP/pull1")" "image digest after pull"
assert_eq "$(digest_of "$S" app:1)" "$(digest_of "$P" "$REG/team/app:1")" "pulled image is named as pulled"
verify_clean "$P" "store after pull"
render "$P" "$REG/team/app:1" "$E2E_TMP/app2.wasm"
cmp "$E2E_TMP/app1.wasm" "$E2E_TMP/app2.wasm" || fail "the pulled image renders different bytes"
# By digest, into another empty store.
"$WIMG" --store "$E2E_TMP/bydigest" pull "$REG/team/app@$manifest" >"$E2E_TMP/pull2"
assert_eq "$(digest_of "$S" app:1)" "$(tail -n 1 "$E2E_TMP/pull2")" "image digest after pull by digest"
# A store with app:1 fetches only two:1's own layer and its manifest+config.
"$WIMG" --store "$P" pull "$REG/team/app:two" >"$E2E_TMP/pull3"
assert_contains "3 blobs fetched" "$(cat "$E2E_TMP/pull3")" "pull of an app whose base and lower layer are present"
assert_contains "1 layers already present" "$(cat "$E2E_TMP/pull3")" "the shared layer is not fetched"
render "$P" "$REG/team/app:two" "$E2E_TMP/two2.wasm"
cmp "$E2E_TMP/two1.wasm" "$E2E_TMP/two2.wasm" || fail "the pulled second image renders different bytes"

# --- FROM a registry image: pulled when the store lacks it ---------------------------
F=$E2E_TMP/fromstore
mkdir -p "$E2E_TMP/fctx"
printf 'FROM %s/team/app:1\nENV EXTRA=1\n' "$REG" >"$E2E_TMP/fctx/Wasmfile"
"$WIMG" --store "$F" build -t derived:1 "$E2E_TMP/fctx" >"$E2E_TMP/from.out" 2>"$E2E_TMP/from.err"
assert_contains "pulled $REG/team/app:1" "$(cat "$E2E_TMP/from.err")" "FROM pulls the missing image"
assert_eq "$(digest_of "$S" app:1)" "$(digest_of "$F" "$REG/team/app:1")" "FROM names the pulled image as written"
before=$(grep -c 'GET /v2/team/app/manifests' "$REG_LOG" || true)
"$WIMG" --store "$F" build -t derived:1 "$E2E_TMP/fctx" >/dev/null 2>"$E2E_TMP/from2.err"
assert_not_contains "pulled" "$(cat "$E2E_TMP/from2.err")" "a present FROM image is not pulled again"
assert_eq "$before" "$(grep -c 'GET /v2/team/app/manifests' "$REG_LOG" || true)" "no registry request for a present image"
printf 'FROM %s/team/nope:1\n' "$REG" >"$E2E_TMP/fctx/Wasmfile"
expect_rc 4 "FROM a missing registry image" "$WIMG" --store "$F" build "$E2E_TMP/fctx"
assert_contains "Wasmfile:1: FROM $REG/team/nope:1" "$(cat "$E2E_TMP/err")" "the error names the line"

# --- other tools ----------------------------------------------------------------------
ins=$(skopeo inspect --tls-verify=false "docker://$REG/team/app:1")
assert_contains "\"Digest\": \"$manifest\"" "$ins" "skopeo sees the pushed manifest"
assert_contains '"APP_MODE=prod"' "$ins" "skopeo sees ENV"
skopeo copy -q --src-tls-verify=false "docker://$REG/team/app:1" "oci:$E2E_TMP/sk:app:1" >/dev/null
# skopeo copies what the image manifest names; the base (its own artifact)
# comes from the store, which has it.
"$WIMG" --store "$P" rmi "$REG/team/app:1" >/dev/null
"$WIMG" --store "$P" load -i "$E2E_TMP/sk" >"$E2E_TMP/load"
assert_contains "Loaded image: app:1 ($(digest_of "$S" app:1))" "$(cat "$E2E_TMP/load")" "a skopeo layout loads back"
# umoci unpacks the layers skopeo pulled into the tree wimg export shows.
command -v umoci >/dev/null || fail "umoci is required (scripts/setup)"
umoci raw unpack --rootless --image "$E2E_TMP/sk:app:1" "$E2E_TMP/sk-rootfs" >/dev/null 2>&1 || fail "umoci raw unpack of the pulled layout"
W export app:1 -o "$E2E_TMP/sk-exported" >/dev/null
diff -r --no-dereference "$E2E_TMP/sk-exported" "$E2E_TMP/sk-rootfs" || fail "umoci's tree of the pulled layers differs from wimg export"

# --- push --artifact: the rendered .wasm in the CNCF wasm form --------------------------
W push --artifact app:1 "$REG/team/app:1-wasm" >"$E2E_TMP/push4"
assert_contains "2 blobs uploaded" "$(cat "$E2E_TMP/push4")" "artifact: the module and its config"
raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/team/app:1-wasm")
wasm_digest=$(python3 -c '
import json,sys
m=json.loads(sys.argv[1])
assert m["config"]["mediaType"]=="application/vnd.wasm.config.v0+json", m
assert [l["mediaType"] for l in m["layers"]]==["application/wasm"], m
print(m["layers"][0]["digest"])' "$raw") || fail "artifact manifest: $raw"
curl -sf -o "$E2E_TMP/artifact.wasm" "http://$REG/v2/team/app/blobs/$wasm_digest"
cmp "$E2E_TMP/app1.wasm" "$E2E_TMP/artifact.wasm" || fail "the artifact is not the rendered .wasm"
# --subject: linked to the image manifest `wimg push app:1` put. distribution
# 2.8 keeps the field in the stored manifest but has no referrers API, so it
# answers no OCI-Subject: a warning says so.
W push --artifact --subject app:1 "$REG/team/app:1-wasm-linked" >"$E2E_TMP/push8" 2>"$E2E_TMP/push8.err"
assert_contains "did not index it (no OCI-Subject answer" "$(cat "$E2E_TMP/push8.err")" "--subject on a registry without referrers"
raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/team/app:1-wasm-linked")
python3 -c '
import json,sys
m=json.loads(sys.argv[1])
assert m["subject"]["digest"]==sys.argv[2] and m["subject"]["mediaType"]=="application/vnd.oci.image.manifest.v1+json", m
' "$raw" "$manifest" || fail "the artifact manifest does not name the pushed image manifest as its subject: $raw"
expect_rc 2 "--subject without --artifact" W push --subject app:1 "$REG/team/app:1"

# --- transient failures: a proxy that fails each request once ---------------------------
for mode in 5xx-once reset-once; do
  python3 "$(dirname "$0")/flaky_proxy.py" "$E2E_TMP/$mode.port" "$REG" "$mode" >"$E2E_TMP/$mode.log" 2>&1 &
  E2E_PIDS+=("$!")
  for _ in $(seq 100); do [[ -s "$E2E_TMP/$mode.port" ]] && break; sleep 0.1; done
  PX=127.0.0.1:$(cat "$E2E_TMP/$mode.port")
  W push app:1 "$PX/flaky/$mode:1" >/dev/null || fail "$mode: push through the proxy failed"
  "$WIMG" --store "$E2E_TMP/flaky-$mode" pull "$PX/flaky/$mode:1" >"$E2E_TMP/out" || fail "$mode: pull failed"
  assert_eq "$(digest_of "$S" app:1)" "$(tail -n 1 "$E2E_TMP/out")" "$mode: image digest after retried pull"
  faults=$(grep -c '^fault' "$E2E_TMP/$mode.log" || true)
  (( faults >= 10 )) || fail "$mode: only $faults faults injected: $(cat "$E2E_TMP/$mode.log")"
done

# --- a registry that lies ----------------------------------------------------------
layer_hex=$(python3 -c 'import json,sys;print(json.load(sys.stdin)["layers"][-1]["digest"][7:])' \
  < <(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/team/app/manifests/1"))
data=$REG_DATA/docker/registry/v2/blobs/sha256/${layer_hex:0:2}/$layer_hex/data
[[ -f "$data" ]] || fail "registry blob file not found: $data"
cp "$data" "$E2E_TMP/good"
printf 'X' | dd of="$data" bs=1 seek=20 conv=notrunc status=none
E=$E2E_TMP/empty
expect_rc 5 "pull of a damaged blob" "$WIMG" --store "$E" pull "$REG/team/app:1"
assert_contains "blobs/sha256:$layer_hex: content has digest" "$(cat "$E2E_TMP/err")" "the error names the blob"
assert_eq "[]" "$("$WIMG" --store "$E" images --json | tr -d ' \n')" "no name after a failed pull"
verify_clean "$E" "store after a failed pull"
rm "$data"
expect_rc 4 "pull of a missing blob" "$WIMG" --store "$E" pull "$REG/team/app:1"
assert_contains "blobs/sha256:$layer_hex: HTTP 404" "$(cat "$E2E_TMP/err")" "the error names the missing blob"
assert_eq "[]" "$("$WIMG" --store "$E" images --json | tr -d ' \n')" "no name after a failed pull"
cp "$E2E_TMP/good" "$data"
expect_rc 4 "pull of an unknown tag" "$WIMG" --store "$E" pull "$REG/team/app:nope"
expect_rc 2 "push to a name without a registry" W push app:1 team/app:1

# --- TLS (a CA made here) + basic auth (htpasswd) and wimg login ---------------------
export XDG_CONFIG_HOME=$E2E_TMP/config
K=$E2E_TMP/tls
mkdir -p "$K"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/ca.key" -out "$K/ca.crt" -days 2 -subj "/CN=wimg test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$K/srv.key" -out "$K/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$K/ext"
openssl x509 -req -in "$K/srv.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" -CAcreateserial -out "$K/srv.crt" -days 2 \
  -extfile "$K/ext" 2>/dev/null
python3 -W ignore -c 'import crypt;print("alice:"+crypt.crypt("s3cret",crypt.mksalt(crypt.METHOD_BLOWFISH,rounds=16)))' \
  >"$E2E_TMP/htpasswd"
start_registry authreg "  tls:
    certificate: $K/srv.crt
    key: $K/srv.key
auth:
  htpasswd:
    realm: wimg-test
    path: $E2E_TMP/htpasswd"
# Docker's certs.d convention: this host's CA makes wimg use https.
mkdir -p "$XDG_CONFIG_HOME/wimg/certs.d/$REG"
cp "$K/ca.crt" "$XDG_CONFIG_HOME/wimg/certs.d/$REG/ca.crt"
expect_rc 3 "push without credentials" W push app:1 "$REG/team/app:1"
assert_contains "authentication required (wimg login $REG)" "$(cat "$E2E_TMP/err")" "push without credentials"
expect_rc 3 "login with a wrong password" "$WIMG" login "$REG" -u alice -p wrong
[[ ! -e "$XDG_CONFIG_HOME/wimg/auth.json" ]] || fail "a refused login saved credentials"
echo s3cret | "$WIMG" login "$REG" -u alice --password-stdin >"$E2E_TMP/login"
assert_contains "Login Succeeded" "$(cat "$E2E_TMP/login")" "login"
assert_eq 600 "$(stat -c %a "$XDG_CONFIG_HOME/wimg/auth.json")" "credentials file mode"
W push app:1 "$REG/team/app:1" >/dev/null
"$WIMG" --store "$E2E_TMP/authpulled" pull "$REG/team/app:1" >"$E2E_TMP/pull4"
assert_eq "$(digest_of "$S" app:1)" "$(tail -n 1 "$E2E_TMP/pull4")" "image digest after an authenticated pull"
grep -q 'tls: ' "$REG_LOG" && fail "TLS handshake errors in the registry log: $(grep 'tls: ' "$REG_LOG")"
rm "$XDG_CONFIG_HOME/wimg/certs.d/$REG/ca.crt"
expect_rc 6 "pull over plain http from a TLS registry" "$WIMG" --store "$E2E_TMP/authpulled" pull "$REG/team/app:1"

# --- Bearer tokens: docker-registry with `auth: token`, a token issuer in node ------
# The registry is the real one; tests/e2e/token_issuer.mjs signs RS256 JWTs
# with a key whose certificate the registry trusts (rootcertbundle).
T=$E2E_TMP/token
mkdir -p "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj "/CN=wimg token issuer" 2>/dev/null
"$NODE" "$(dirname "$0")/token_issuer.mjs" "$T/port" "$T/key.pem" "$T/cert.pem" bob t0ken wimg-issuer "$T/grants.log" \
  >"$T/issuer.log" 2>&1 &
E2E_PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$T/port" ]] && break; sleep 0.1; done
[[ -s "$T/port" ]] || fail "the token issuer did not start: $(cat "$T/issuer.log")"
start_registry tokenreg "auth:
  token:
    realm: http://127.0.0.1:$(cat "$T/port")/token
    service: wimg-registry
    issuer: wimg-issuer
    rootcertbundle: $T/cert.pem"
expect_rc 3 "push to a token registry without credentials" W push app:1 "$REG/team/app:1"
assert_contains "authentication required (wimg login $REG)" "$(cat "$E2E_TMP/err")" "Bearer without credentials"
"$WIMG" login "$REG" -u bob -p t0ken >/dev/null
W push app:1 "$REG/team/app:1" >/dev/null
W push two:1 "$REG/team/two:1" >"$E2E_TMP/push7"  # mounts from team/app: a token for both repositories
assert_contains "2 blobs uploaded" "$(cat "$E2E_TMP/push7")" "Bearer: the second app mounts the shared blobs"
grep '^grant ' "$T/grants.log" | grep 'repository:team/two:pull,push' | grep -q 'repository:team/app:pull' ||
  fail "no token asked for the mount's two repositories: $(sort "$T/grants.log" | uniq -c)"
"$WIMG" --store "$E2E_TMP/tokenpulled" pull "$REG/team/two:1" >"$E2E_TMP/pull5"
assert_eq "$(digest_of "$S" two:1)" "$(tail -n 1 "$E2E_TMP/pull5")" "image digest after a pull with a Bearer token"
verify_clean "$E2E_TMP/tokenpulled" "store after a Bearer pull"
note "ok"
