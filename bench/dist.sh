#!/usr/bin/env bash
# Benchmark: wimg push / pull of ruby:3.4 to Debian's docker-registry on
# loopback vs skopeo copy of the same content (issue 13). A report, not a
# test: exits 0 whether or not the goal (wimg <= 1x skopeo) is met, non-zero
# only if a command fails.
#
#   bench/dist.sh [WIMG_BINARY]      default build/wimg of this checkout
#   BENCH_RUNS=N                     timed runs per column (default 5)
#
# The image: the real ruby:3.4 base (`wimg import` of npm's CRuby 3.4,
# examples/ruby/base/build.sh): the 16 MB ruby.wasm module plus its
# standard library as one layer (1,776 files, 14 MB). "The same content"
# for skopeo is the image manifest AND the base module's wasm artifact
# (two `skopeo copy` calls), so both tools move the same blobs.
#   push: into an empty registry (its storage is wiped before every run,
#         untimed, so nothing is mounted or found present):
#         `wimg push`  vs  `skopeo copy oci:LAYOUT docker://` of the layout
#         `wimg save` wrote (already compressed). Two rows: a first push
#         (wimg's layer blob names wiped: it tars and gzips the layer), and
#         a push again (the compressed blob kept in the store since the
#         last push is read back, as skopeo reads its layout)
#   pull: `wimg pull` into an empty store  vs  `skopeo copy docker://
#         oci:DIR` into an empty directory. wimg also unpacks the layer
#         (one store object per file), rebuilds and verifies it, and
#         commits durably (syncfs); skopeo writes the six blobs.
# Runs alternate A B A B; `sync` before every run; nothing is deleted
# until all runs are done (on ext4 creating files right after thousands
# were deleted is several times slower: bench/README.md, layer_add.sh).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/paths.sh"
WIMG=$(realpath "${1:-$WIMG_REPO/build/wimg}")
RUNS=${BENCH_RUNS:-5}
for t in docker-registry skopeo python3 curl; do
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
WIMG=$WIMG bash "$WIMG_REPO/examples/ruby/base/build.sh" --store "$S" >/dev/null 2>&1
"$WIMG" --store "$S" save ruby:3.4 -o "$T/ruby.tar"
mkdir -p "$T/layout" && tar xf "$T/ruby.tar" -C "$T/layout"
# Name the base artifact's manifest in the layout too, so skopeo can copy it.
BASE_MANIFEST=$(python3 - "$T/layout/index.json" <<'PY'
import json, sys
p = sys.argv[1]
idx = json.load(open(p))
base = [m for m in idx["manifests"] if "org.opencontainers.image.ref.name" not in m.get("annotations", {})]
assert len(base) == 1, idx
base[0].setdefault("annotations", {})["org.opencontainers.image.ref.name"] = "base"
json.dump(idx, open(p, "w"))
print(base[0]["digest"])
PY
)

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat >"$T/reg.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $T/reg
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
REG=127.0.0.1:$port

echo "wimg:     $WIMG ($("$WIMG" --version 2>/dev/null | head -n 1 || echo '?'))"
echo "skopeo:   $(skopeo --version)"
echo "host:     $(nproc) CPUs, $(uname -sr), filesystem $(df -T "$T" | awk 'NR==2 {print $2}')"
echo "image:    ruby:3.4, blobs $(ls "$T/layout/blobs/sha256" | wc -l), $(du -sb "$T/layout/blobs" | cut -f1) bytes"
echo "runs:     median of $RUNS timed runs per column (one untimed warm-up pair; A B A B; sync before every run)"
echo

PYTHONPATH="$WIMG_REPO/bench" python3 - "$WIMG" "$T" "$S" "$REG" "$RUNS" "$BASE_MANIFEST" <<'PY'
import os, shutil, statistics, sys, time

from benchlib import run  # bench/benchlib.py

wimg, tmp, store, reg, runs, base_manifest = sys.argv[1:7]
runs = int(runs)
layout = os.path.join(tmp, "layout")

def timed(prepare, cmds):
    prepare()
    os.sync()
    t0 = time.perf_counter()
    for c in cmds:
        run(c)
    return (time.perf_counter() - t0) * 1000.0

def paired(name, a_prepare, a_cmds, b_prepare, b_cmds):
    a, b = [], []
    for i in range(runs + 1):
        ta = timed(lambda: a_prepare(i), a_cmds(i))
        tb = timed(lambda: b_prepare(i), b_cmds(i))
        if i > 0:
            a.append(ta)
            b.append(tb)
    ratio = statistics.median(x / y for x, y in zip(a, b))
    print(f"{name:<6}{'wimg ms':>10}{'skopeo ms':>11}{'wimg/skopeo (paired median)':>30}")
    print(f"{'':<6}{statistics.median(a):>10.0f}{statistics.median(b):>11.0f}{ratio:>30.2f}"
          f"   (wimg {min(a):.0f}..{max(a):.0f}, skopeo {min(b):.0f}..{max(b):.0f})")
    return ratio

def wipe_registry():
    shutil.rmtree(os.path.join(tmp, "reg", "docker"), ignore_errors=True)

def wipe_hints():
    """Mount hints and layer blob names: a first push of the image."""
    wipe_registry()
    shutil.rmtree(os.path.join(store, "cache", "dist"), ignore_errors=True)

def wipe_mount_hints():
    """Mount hints only: the layer's blob, kept since the last push, is reused."""
    wipe_registry()
    d = os.path.join(store, "cache", "dist")
    for n in os.listdir(d) if os.path.isdir(d) else []:
        if os.path.isfile(os.path.join(d, n)):
            os.unlink(os.path.join(d, n))

nothing = lambda i: None
skopeo_push = lambda i: [
    ["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:ruby:3.4", f"docker://{reg}/s/ruby:3.4"],
    ["skopeo", "copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:base", f"docker://{reg}/s/ruby:base"]]
wimg_push = lambda i: [[wimg, "--store", store, "push", "ruby:3.4", f"{reg}/w/ruby:3.4"]]
print("first push of the image: wimg tars and compresses the layer")
push = paired("push", lambda i: wipe_hints(), wimg_push, lambda i: wipe_registry(), skopeo_push)
print()
print("push again (another registry, or after its GC): the compressed layer blob kept in the store is reused")
push2 = paired("push", lambda i: wipe_mount_hints(), wimg_push, lambda i: wipe_registry(), skopeo_push)
print()
wipe_registry()
run([wimg, "--store", store, "push", "ruby:3.4", f"{reg}/lib/ruby:3.4"])
pull = paired(
    "pull",
    nothing,
    lambda i: [[wimg, "--store", os.path.join(tmp, f"pull-{i}"), "pull", f"{reg}/lib/ruby:3.4"]],
    nothing,
    lambda i: [["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{reg}/lib/ruby:3.4", f"oci:{tmp}/oci-{i}:img"],
               ["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{reg}/lib/ruby@{base_manifest}", f"oci:{tmp}/oci-{i}:base"]])
print()
for name, r in (("first push", push), ("push again", push2), ("pull", pull)):
    print(f"{name + '/skopeo':<18} {r:5.2f}  (goal <= 1.0)  {'met' if r <= 1.0 else 'missed'}")
PY
