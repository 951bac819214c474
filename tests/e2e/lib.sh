# shellcheck shell=bash
# Shared helpers for the end-to-end tests (sourced, not run).
#
#   source "$(dirname "$0")/lib.sh"
#   e2e_init test_name          # checks $WIMG, makes $E2E_TMP, installs cleanup trap
#
# Everything here is plain bash plus python3 (for the tree generator and a
# few exact computations that would be slow or fragile in bash).

E2E_PY=${E2E_PY:-python3}
E2E_NAME=${E2E_NAME:-e2e}
E2E_TMP=
E2E_PIDS=()

fail() {
  echo "FAIL: ${E2E_NAME}: $*" >&2
  exit 1
}

note() { echo "${E2E_NAME}: $*"; }

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
  [[ "$1" == "$2" ]] || fail "$3: expected [$1], got [$2]"
}

# assert_ne A B WHAT
assert_ne() {
  [[ "$1" != "$2" ]] || fail "$3: both are [$1], expected them to differ"
}

# assert_match REGEX ACTUAL WHAT   (bash ERE, whole string must match)
assert_match() {
  [[ "$2" =~ ^$1$ ]] || fail "$3: [$2] does not match /$1/"
}

# assert_contains NEEDLE HAYSTACK WHAT
assert_contains() {
  [[ "$2" == *"$1"* ]] || fail "$3: output does not contain [$1]; output was:
$2"
}

assert_not_contains() {
  [[ "$2" != *"$1"* ]] || fail "$3: output unexpectedly contains [$1]; output was:
$2"
}

# run_capture VAR_OUT VAR_RC cmd...: runs cmd with stdout+stderr captured into
# VAR_OUT and its exit code into VAR_RC, without tripping set -e.
run_capture() {
  local __out=$1 __rc=$2
  shift 2
  local __o __r=0
  __o=$("$@" 2>&1) || __r=$?
  printf -v "$__out" '%s' "$__o"
  printf -v "$__rc" '%s' "$__r"
}

# expect_rc RC WHAT cmd...: runs cmd, checks its exit code; stdout in
# $E2E_TMP/out, stderr in $E2E_TMP/err.
expect_rc() {
  local want=$1 what=$2 rc=0
  shift 2
  "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  [[ "$rc" == "$want" ]] || fail "$what: exit $rc, expected $want; stderr: $(cat "$E2E_TMP/err")"
}

e2e_cleanup() {
  local rc=$?
  local p
  for p in "${E2E_PIDS[@]:-}"; do
    if [[ -n "$p" ]]; then kill -9 "$p" 2>/dev/null || true; fi
  done
  for p in "${E2E_PIDS[@]:-}"; do
    if [[ -n "$p" ]]; then wait "$p" 2>/dev/null || true; fi
  done
  if [[ -n "$E2E_TMP" && -d "$E2E_TMP" ]]; then
    if [[ -n "${E2E_KEEP:-}" ]]; then
      echo "${E2E_NAME}: keeping $E2E_TMP" >&2
    else
      chmod -R u+w "$E2E_TMP" 2>/dev/null || true
      rm -rf "$E2E_TMP"
    fi
  fi
  exit "$rc"
}

# e2e_init NAME: validates the environment and creates $E2E_TMP.
e2e_init() {
  E2E_NAME=$1
  [[ -n "${WIMG:-}" ]] || fail "WIMG is not set (path of the wimg binary)"
  [[ -x "$WIMG" ]] || fail "WIMG=$WIMG is not an executable file"
  command -v "$E2E_PY" >/dev/null || fail "python3 is required"
  E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wimg-${E2E_NAME}.XXXXXX")
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
  # Run a private copy so a concurrent rebuild cannot swap the binary mid-test.
  mkdir -p "$E2E_TMP/bin"
  cp "$WIMG" "$E2E_TMP/bin/wimg" || fail "cannot copy $WIMG"
  WIMG=$E2E_TMP/bin/wimg
  # Keep the tests independent of the caller's store settings.
  unset WIMG_STORE
  export XDG_DATA_HOME="$E2E_TMP/xdg-should-not-be-used"
}

# Nanoseconds since the epoch.
now_ns() { date +%s%N; }

# wimg_add STORE PATH [extra args]: layer add, checks exit 0 and that the
# last stdout line is a digest, and prints that digest.
wimg_add() {
  local store=$1 path=$2
  shift 2
  local out rc=0
  out=$("$WIMG" --store "$store" layer add "$@" "$path" 2>"$E2E_TMP/.add.err") || rc=$?
  if [[ $rc -ne 0 ]]; then
    fail "wimg --store $store layer add $* $path exited $rc: $(cat "$E2E_TMP/.add.err")"
  fi
  local d
  d=$(printf '%s\n' "$out" | tail -n 1)
  assert_match 'sha256:[0-9a-f]{64}' "$d" "last line of 'layer add $path'"
  printf '%s\n' "$d"
}

# verify_clean STORE [WHAT]: wimg store verify must exit 0 with no problem lines.
verify_clean() {
  local store=$1 what=${2:-store verify}
  local out rc
  run_capture out rc "$WIMG" --store "$store" store verify
  [[ "$rc" == 0 ]] || fail "$what: 'wimg --store $store store verify' exited $rc:
$out"
  assert_not_contains "problem:" "$out" "$what"
}

# count_objects STORE: number of objects (files under objects/ other than
# the ".tmp-*" files writers leave in shard directories).
count_objects() {
  find "$1/objects" -type f ! -name '.tmp-*' | wc -l | tr -d ' '
}

# count_tmp STORE: writer leftovers: entries directly under tmp/ plus
# ".tmp-*" files in shard directories (what `wimg prune` removes).
count_tmp() {
  echo $(( $(find "$1/tmp" -mindepth 1 -maxdepth 1 | wc -l) + $(find "$1/objects" -type f -name '.tmp-*' | wc -l) ))
}

# count_tmp_files STORE: regular files among the writer leftovers.
count_tmp_files() {
  echo $(( $(find "$1/tmp" -type f | wc -l) + $(find "$1/objects" -type f -name '.tmp-*' | wc -l) ))
}

# tree_stats DIR...: prints "FILES BYTES UNIQUE SYMLINKS" over all the given
# trees together: regular files, their total size, the number of distinct
# contents (by sha256) and symlinks. Symlinks are not followed.
tree_stats() {
  "$E2E_PY" - "$@" <<'PY'
import hashlib, os, sys
files = size = links = 0
seen = set()
for root in sys.argv[1:]:
    for dp, dns, fns in os.walk(root):
        for n in fns + [d for d in dns if os.path.islink(os.path.join(dp, d))]:
            p = os.path.join(dp, n)
            if os.path.islink(p):
                links += 1
                continue
            if not os.path.isfile(p):
                continue
            files += 1
            with open(p, 'rb') as f:
                b = f.read()
            size += len(b)
            seen.add(hashlib.sha256(b).digest())
print(files, size, len(seen), links)
PY
}

# gen_tree DIR COUNT SEED [options]: writes COUNT regular files into DIR
# (created if missing) deterministically from SEED.
#
#   --start K          file indices start at K (default 0); the content of
#                      file i depends only on (SEED, i), so two trees built
#                      from the same SEED and index range share contents
#   --layout-seed L    directory/file names come from L (default SEED); a
#                      different L puts the same contents at different paths
#   --max-size B       sizes are log-uniform in [1, B] bytes (default 16384);
#                      about 3% of files are empty
#   --dup-pct P        P% of files copy the content of an earlier file (default 10)
#   --big K            K extra files of 1-3 MiB (default 0)
#   --symlinks K       K relative symlinks to generated files (default 0)
#   --order ORDER      creation order: forward (default), reverse or shuffle
#   --dirs-per N       about one directory per N files (default 40)
gen_tree() {
  "$E2E_PY" - "$@" <<'PY'
import math, os, random, sys

args = sys.argv[1:]
if len(args) < 3:
    sys.exit("gen_tree DIR COUNT SEED [options]")
root, count, seed = args[0], int(args[1]), args[2]
opt = {"--start": "0", "--layout-seed": None, "--max-size": "16384", "--dup-pct": "10",
       "--big": "0", "--symlinks": "0", "--order": "forward", "--dirs-per": "40"}
i = 3
while i < len(args):
    if args[i] not in opt or i + 1 >= len(args):
        sys.exit("gen_tree: bad option " + args[i])
    opt[args[i]] = args[i + 1]
    i += 2
start = int(opt["--start"])
layout = opt["--layout-seed"] or seed
max_size = int(opt["--max-size"])
dup_pct = float(opt["--dup-pct"])
big = int(opt["--big"])
nlinks = int(opt["--symlinks"])
dirs_per = int(opt["--dirs-per"])

def content(idx):
    """Bytes of file idx: depends only on (seed, idx)."""
    r = random.Random(f"content:{seed}:{idx}")
    if idx >= 0 and r.random() * 100 < dup_pct and idx > 0:
        return content(r.randrange(0, idx))
    if r.random() < 0.03:
        return b""
    n = int(math.exp(r.uniform(0, math.log(max_size))))
    return r.randbytes(n)

def big_content(k):
    r = random.Random(f"big:{seed}:{k}")
    return r.randbytes(r.randrange(1 << 20, 3 << 20))

# Directory pool: depends on the layout seed and the file count only.
ndirs = max(1, (count + big) // dirs_per)
lr = random.Random(f"dirs:{layout}:{ndirs}")
dirs = [""]
for d in range(ndirs):
    parent = dirs[lr.randrange(len(dirs))] if lr.random() < 0.7 else ""
    if parent.count("/") >= 5:
        parent = ""
    dirs.append((parent + "/" if parent else "") + f"d{lr.randrange(1 << 20):05x}")

def path_of(idx):
    r = random.Random(f"path:{layout}:{idx}")
    d = dirs[r.randrange(len(dirs))]
    name = f"f{idx:06d}" + r.choice([".txt", ".bin", ".dat", "", ".json", ".wasm"])
    return (d + "/" if d else "") + name

jobs = [(path_of(start + k), ("c", start + k)) for k in range(count)]
jobs += [(f"big/blob{k:02d}-{layout}.bin", ("b", k)) for k in range(big)]
order = opt["--order"]
if order == "reverse":
    jobs.reverse()
elif order == "shuffle":
    random.Random(f"order:{seed}").shuffle(jobs)
elif order != "forward":
    sys.exit("gen_tree: --order must be forward, reverse or shuffle")

os.makedirs(root, exist_ok=True)
made = set()
for rel, (kind, idx) in jobs:
    p = os.path.join(root, rel)
    d = os.path.dirname(p)
    if d not in made:
        os.makedirs(d, exist_ok=True)
        made.add(d)
    with open(p, "wb") as f:
        f.write(content(idx) if kind == "c" else big_content(idx))

files = [rel for rel, _ in jobs]
files.sort()
sr = random.Random(f"links:{layout}:{start}")
for k in range(nlinks):
    target = files[sr.randrange(len(files))] if files else "nowhere"
    lp = f"links{k % 4}/l{start + k:05d}"
    full = os.path.join(root, lp)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full):
        os.unlink(full)
    os.symlink(os.path.relpath(os.path.join(root, target), os.path.dirname(full)), full)
PY
}

# hello_base OUT.wasm: a WASI command module that prints "hello" (wabt's
# wat2wasm): the base of tests that need one that runs.
hello_base() {
  command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
  cat >"$E2E_TMP/hello_base.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
WAT
  wat2wasm "$E2E_TMP/hello_base.wat" -o "$1"
}

# opens_during FILE cmd...: prints "RC OPENS", OPENS the times FILE was
# opened while cmd ran (inotify; cmd's output is dropped, 300 s bound).
opens_during() {
  "$E2E_PY" - "$@" <<'PY'
import ctypes, os, struct, subprocess, sys
IN_OPEN, IN_CLOSE_NOWRITE = 0x20, 0x10
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
# Closes are watched too: the kernel merges identical consecutive events,
# so open, open would count once; open, close, open, close counts twice.
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(), IN_OPEN | IN_CLOSE_NOWRITE) < 0:
    sys.exit("inotify: errno %d" % ctypes.get_errno())
with open(os.devnull, "wb") as null:
    rc = subprocess.call(["timeout", "300"] + sys.argv[2:], stdout=null, stderr=null)
opens = 0
while True:
    try:
        buf = os.read(fd, 65536)
    except BlockingIOError:
        break
    i = 0
    while i < len(buf):
        _, mask, _, n = struct.unpack_from("iIII", buf, i)
        opens += 1 if mask & IN_OPEN else 0
        i += 16 + n
print(rc, opens)
PY
}

# e2e_node_init NAME: e2e_init NAME for a test that runs guests: also the
# paths of scripts/lib/paths.sh (NODE, RUBY_DIST, WIMG_REPO, ...), node 24
# checked and exported as WIMG_NODE (`wimg run` finds its node host
# through it: node on PATH may be old), and WORK=$E2E_TMP.
e2e_node_init() {
  # shellcheck source=../../scripts/lib/paths.sh
  source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/paths.sh"
  e2e_init "$1"
  WORK=$E2E_TMP
  [[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup, or set WIMG_NODE)"
  export WIMG_NODE=$NODE
}
