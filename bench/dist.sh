#!/usr/bin/env bash
# Benchmark: wimg push / pull of a Ruby image to Debian's docker-registry on
# loopback vs skopeo copy of the same image (issue 13). A report, not a
# test: exits 0 whether or not the goal (wimg <= 1x skopeo) is met, non-zero
# only if a command fails.
#
#   bench/dist.sh [WIMG_BINARY]      default build/wimg of this checkout
#
# The image: npm's CRuby 3.4 ruby.wasm (16 MB) as the base plus one layer
# (@ruby/wasm-wasi's files). Columns, timed by farm-bench, A/B paired:
#   push: `wimg push` into a fresh repository   vs  `skopeo copy oci:LAYOUT
#         docker://…` of the layout `wimg save` wrote, into a fresh repository
#   pull: `wimg pull` into an empty store       vs  `skopeo copy docker://…
#         oci:DIR` into an empty directory
# skopeo moves only what the image manifest names (not the base module,
# which wimg carries as its own wasm artifact): it moves 16 MB less than
# wimg, so the comparison favours skopeo. wimg's pull also rebuilds and
# verifies every layer and commits durably (syncfs) into its store.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/paths.sh"
WIMG=${1:-$WIMG_REPO/build/wimg}
RUNS=${BENCH_RUNS:-5}
for t in docker-registry skopeo farm-bench; do
  command -v "$t" >/dev/null || { echo "bench/dist.sh: $t is required (scripts/setup)" >&2; exit 1; }
done
[[ -f "$RUBY_DIST/ruby.wasm" ]] || { echo "bench/dist.sh: run scripts/setup (no $RUBY_DIST/ruby.wasm)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/wimg-bench-dist.XXXXXX")
REG_PID=
cleanup() {
  [[ -n "$REG_PID" ]] && kill "$REG_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

S=$T/store
"$WIMG" --store "$S" image create -t ruby:3.4 --base "$RUBY_DIST/ruby.wasm" --layer "$RUBY_MODULES/@ruby/wasm-wasi" >/dev/null
"$WIMG" --store "$S" save ruby:3.4 -o "$T/ruby.tar"
mkdir -p "$T/layout" && tar xf "$T/ruby.tar" -C "$T/layout"

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat >"$T/reg.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/reg
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
REG=127.0.0.1:$port
"$WIMG" --store "$S" push ruby:3.4 "$REG/lib/ruby:3.4" >/dev/null

echo "== push of ruby:3.4 (A: wimg push, B: skopeo copy oci: -> docker://), fresh repository each run"
farm-bench -n "$RUNS" --timeout 600 \
  --vs "sh -c 'skopeo copy -q --dest-tls-verify=false oci:$T/layout:ruby:3.4 docker://$REG/s\$(date +%s%N)/ruby:3.4'" \
  -- sh -c "'$WIMG' --store '$S' push ruby:3.4 $REG/w\$(date +%s%N)/ruby:3.4 >/dev/null"
echo
echo "== pull of ruby:3.4 (A: wimg pull into an empty store, B: skopeo copy docker:// -> oci:DIR)"
farm-bench -n "$RUNS" --timeout 600 \
  --vs "sh -c 'd=$T/k\$(date +%s%N); skopeo copy -q --src-tls-verify=false docker://$REG/lib/ruby:3.4 oci:\$d:x; rm -rf \$d'" \
  -- sh -c "d=$T/p\$(date +%s%N); '$WIMG' --store \$d pull $REG/lib/ruby:3.4 >/dev/null; rm -rf \$d"
