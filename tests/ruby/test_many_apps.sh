#!/usr/bin/env bash
# test_many_apps.sh: 50 Ruby apps FROM one ruby:3.4 base share it in the store
# (ctest runtime.ruby_many_apps).
#
#  1. examples/ruby/base/build.sh builds ruby:3.4 (CRuby 16.7 MB + stdlib
#     13.9 MB) into a fresh store.
#  2. gen_apps.py writes 50 distinct apps (100-300 KB of their own Ruby code
#     and data each, plus a few files shared by about a third of them), each
#     built with `wimg build -t appN:1` (no -o: nothing is rendered).
#  3. The store's growth over those 50 builds is measured: "objects" is
#     everything under the store but the derived caches (cache/: stat caches,
#     build cache, rendered and prepared bases' entries), "store" the whole
#     directory; apparent sizes (sum of file sizes) and `du`. The apps' own
#     unique bytes are the total size of their distinct file contents (the
#     shared files counted once, as the store keeps them once).
#     Asserted: objects growth <= 1.02 x unique bytes; one object per
#     distinct content (at most 3 more per app: index, manifest, config).
#  4. Every app's history lists the ruby:3.4 stdlib layer; two apps rendered
#     with -o show it in `wimg inspect` and `wimg inspect --json`, equal to
#     ruby:3.4's; they print their expected output under `wimg run`.
#
# Env: WIMG (required), WIMG_NODE, WIMG_RUBY_CACHE, E2E_KEEP=1,
# WIMG_MANY_APPS (default 50).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO

# shellcheck source=../e2e/lib.sh
source "$SRC/tests/e2e/lib.sh"
e2e_node_init test_ruby_many_apps
export WIMG_RUBY_CACHE=${WIMG_RUBY_CACHE:-$SRC/build/ruby-stdlib}
unset SOURCE_DATE_EPOCH
N=${WIMG_MANY_APPS:-50}
STORE=$WORK/store
APPS=$WORK/apps
W() { "$WIMG" --store "$STORE" "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# measure: "OBJ_BYTES OBJ_FILES STORE_BYTES DU_STORE_KB DU_CACHE_KB": apparent
# sizes of everything but cache/ and of the whole store, and du in KiB.
measure() {
  local app
  app=$(python3 - "$STORE" <<'PY'
import os, sys
root = sys.argv[1]
obj = files = total = 0
for dp, dns, fns in os.walk(root):
    in_cache = os.path.relpath(dp, root).split(os.sep)[0] == "cache"
    for n in fns:
        p = os.path.join(dp, n)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        s = os.path.getsize(p)
        total += s
        if not in_cache:
            obj += s
            if os.path.relpath(dp, root).startswith("objects"):
                files += 1
print(obj, files, total)
PY
)
  local du_all du_cache=0
  du_all=$(du -sk "$STORE" | cut -f1)
  [[ -d "$STORE/cache" ]] && du_cache=$(du -sk "$STORE/cache" | cut -f1)
  echo "$app $du_all $du_cache"
}

# 1. The base.
t0=$(date +%s%N)
base_digest=$(bash "$SRC/examples/ruby/base/build.sh" --store "$STORE" --wimg "$WIMG" 2>"$WORK/base.log" | tail -n 1) ||
  { cat "$WORK/base.log" >&2; fail "base/build.sh failed"; }
assert_match 'sha256:[0-9a-f]{64}' "$base_digest" "ruby:3.4 digest"
base_ms=$(ms_since "$t0")
stdlib_layer=$(W history --json --no-trunc ruby:3.4 | python3 -c '
import json, sys
rows = [r["layer"] for r in json.load(sys.stdin) if r["created_by"].endswith(" /usr/local/lib/ruby")]
print(rows[0] if len(rows) == 1 else "")')
assert_match 'sha256:[0-9a-f]{64}' "$stdlib_layer" "the stdlib layer of ruby:3.4"
note "ruby:3.4 $base_digest (stdlib layer $stdlib_layer) in $base_ms ms"
read -r b_obj b_files b_all b_du b_du_cache <<<"$(measure)"

# 2. The apps.
python3 "$HERE/gen_apps.py" "$APPS" "$N" >"$WORK/gen.log" || fail "gen_apps.py failed"
[[ $(wc -l <"$WORK/gen.log") -eq $N ]] || fail "gen_apps.py wrote $(wc -l <"$WORK/gen.log") apps, not $N"
read -r app_files app_bytes uniq_files uniq_bytes <<<"$(python3 - "$APPS" <<'PY'
import hashlib, os, sys
root = sys.argv[1]
files = size = 0
seen = {}
for app in sorted(os.listdir(root)):
    for dp, dns, fns in os.walk(os.path.join(root, app, "app")):
        for n in fns:
            b = open(os.path.join(dp, n), "rb").read()
            files += 1
            size += len(b)
            seen[hashlib.sha256(b).digest()] = len(b)
print(files, size, len(seen), sum(seen.values()))
PY
)"
note "$N apps: $app_files files, $app_bytes bytes; $uniq_files distinct contents, $uniq_bytes bytes"

t0=$(date +%s%N)
for n in $(seq 1 "$N"); do
  W build -t "app$n:1" "$APPS/app$n" >"$WORK/build-app$n.log" 2>&1 ||
    { cat "$WORK/build-app$n.log" >&2; fail "wimg build of app$n failed"; }
done
apps_ms=$(ms_since "$t0")
note "$N builds in $apps_ms ms ($((apps_ms / N)) ms each)"
read -r a_obj a_files a_all a_du a_du_cache <<<"$(measure)"
assert_eq "$((N + 1))" "$(W images -q | wc -l | tr -d ' ')" "number of named images"

# 3. The figures.
g_obj=$((a_obj - b_obj))
g_files=$((a_files - b_files))
g_all=$((a_all - b_all))
g_du=$(((a_du - a_du_cache) - (b_du - b_du_cache)))
g_du_all=$((a_du - b_du))
ratio() { python3 -c "import sys; print(f'{int(sys.argv[1]) / int(sys.argv[2]):.4f}')" "$1" "$2"; }
{
  echo "== store growth over $N apps FROM ruby:3.4 (bytes; du in KiB)"
  printf '%-34s %14s %14s %14s %9s\n' "" "after base" "after apps" "growth" "/unique"
  printf '%-34s %14d %14d %14d %9s\n' "objects (store minus cache/)" "$b_obj" "$a_obj" "$g_obj" "$(ratio "$g_obj" "$uniq_bytes")"
  printf '%-34s %14d %14d %14d %9s\n' "whole store" "$b_all" "$a_all" "$g_all" "$(ratio "$g_all" "$uniq_bytes")"
  printf '%-34s %14d %14d %14d %9s\n' "du -sk objects (store minus cache/)" "$((b_du - b_du_cache))" "$((a_du - a_du_cache))" "$g_du" "$(ratio $((g_du * 1024)) "$uniq_bytes")"
  printf '%-34s %14d %14d %14d %9s\n' "du -sk whole store" "$b_du" "$a_du" "$g_du_all" "$(ratio $((g_du_all * 1024)) "$uniq_bytes")"
  printf '%-34s %14d %14d %14d\n' "object files" "$b_files" "$a_files" "$g_files"
  echo "apps' files: $app_files ($app_bytes bytes); distinct contents: $uniq_files ($uniq_bytes bytes)"
  echo "objects growth / unique bytes: $(ratio "$g_obj" "$uniq_bytes") (limit 1.02); per app: $(((g_obj - uniq_bytes) / N)) bytes of index and manifest"
  echo "stored: ruby:3.4 + $N apps = $((b_obj + g_obj)) bytes of objects; each app alone with its own copy of the base: $((N * b_obj + app_bytes)) bytes"
} | tee "$WORK/figures.txt"
((g_obj * 100 <= uniq_bytes * 102)) || fail "objects grew by $g_obj bytes, more than 1.02 x $uniq_bytes unique bytes"
((g_obj >= uniq_bytes)) || fail "objects grew by $g_obj bytes, less than the $uniq_bytes unique bytes they must hold"
((g_files >= uniq_files && g_files <= uniq_files + 3 * N)) ||
  fail "$g_files new objects for $uniq_files distinct contents in $N apps (expected one object per content + at most 3 per app)"

# 4. The shared layer, as history and inspect show it.
for n in $(seq 1 "$N"); do
  W history --json --no-trunc "app$n:1" >"$WORK/history-app$n.json"
done
python3 - "$WORK" "$N" "$stdlib_layer" <<'PY' || fail "an app's history does not list the stdlib layer of ruby:3.4"
import json, sys
work, n, stdlib = sys.argv[1], int(sys.argv[2]), sys.argv[3]
own = set()
for i in range(1, n + 1):
    rows = json.load(open(f"{work}/history-app{i}.json"))
    layers = [r["layer"] for r in rows if r["layer"] != "<none>" and r["created_by"] != "base wasm"]
    if stdlib not in layers or len(layers) != 2 or layers[0] == stdlib:
        sys.exit(f"app{i}: layers {layers}, expected [its own, {stdlib}]")
    own.add(layers[0])
if len(own) != n:
    sys.exit(f"only {len(own)} distinct app layers for {n} apps")
PY
note "all $N apps list the stdlib layer $stdlib_layer"
for n in 1 "$N"; do
  W build -t "app$n:1" -o "$WORK/app$n.wasm" "$APPS/app$n" >"$WORK/render-app$n.log" 2>&1 ||
    { cat "$WORK/render-app$n.log" >&2; fail "wimg build -o of app$n failed"; }
  W inspect "$WORK/app$n.wasm" >"$WORK/inspect-app$n.txt" || fail "wimg inspect app$n.wasm failed"
  grep -qF "$stdlib_layer" "$WORK/inspect-app$n.txt" ||
    fail "wimg inspect app$n.wasm does not list $stdlib_layer: $(cat "$WORK/inspect-app$n.txt")"
  W inspect --json "$WORK/app$n.wasm" >"$WORK/inspect-app$n.json" || fail "wimg inspect --json app$n.wasm failed"
  python3 - "$WORK/inspect-app$n.json" "$stdlib_layer" <<'PY' || fail "inspect --json of app$n.wasm"
import json, sys
j = json.load(open(sys.argv[1]))
layers = j["manifest"]["layers"]
if (len(layers) != 2 or layers[0]["digest"] != sys.argv[2]
        or not layers[0]["created_by"].endswith(" /usr/local/lib/ruby")):
    sys.exit(f"layers {layers}: expected the stdlib layer {sys.argv[2]} and the app's")
PY
  rc=0
  (cd "$WORK" && "$WIMG" --store "$STORE" run "$WORK/app$n.wasm") >"$WORK/run-app$n.out" 2>"$WORK/run-app$n.err" || rc=$?
  if [[ $rc -ne 0 || -s "$WORK/run-app$n.err" ]] || ! cmp -s "$APPS/app$n/expected.txt" "$WORK/run-app$n.out"; then
    echo "--- stderr:" >&2; head -c 3000 "$WORK/run-app$n.err" >&2
    diff -u "$APPS/app$n/expected.txt" "$WORK/run-app$n.out" >&2 || true
    fail "wimg run app$n.wasm: exit $rc, or its output or stderr differs"
  fi
done
note "app1 and app$N: inspect lists $stdlib_layer; their output is as expected"
read -r r_obj _ r_all _ _ <<<"$(measure)"
note "rendering (prepares the base once for command modules): objects +$((r_obj - a_obj)) bytes, store +$((r_all - a_all)) bytes"
verify_clean "$STORE"
note "OK"
