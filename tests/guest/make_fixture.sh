#!/usr/bin/env bash
# make_fixture.sh DIR: creates the deterministic fixture tree the guest
# conformance programs examine. DIR must not exist or be empty. The tree is
# meant to be seen by the guest at /data (the "abs" links name /data/...).
#
#   empty, one, seven.txt          0, 1 and 7 bytes
#   page.bin, big.bin, huge.bin    4096, 65537 and 1 MiB + 7 bytes (LCG bytes)
#   lines.txt                      100 text lines (fgets)
#   text.txt                       300,007 bytes of text: compressible, so a
#                                  packed image stores it in 5 LZ4 chunks
#   .hidden, "with space.txt", "ünïcödé 日本.txt"
#   dir/file.txt, dir/sub/deep/leaf.txt, dir/empty_dir/
#   many/                          600 files, names of varying length
#   symlinks: rel -> dir/file.txt, chain -> rel, abs -> /data/dir/file.txt,
#     dir/abs_dir -> /data/dir/sub, dir/sub/up -> ../file.txt, dirlink -> dir,
#     sublink -> dir/sub (so sublink/.. is dir physically, . lexically),
#     dangling -> does/not/exist, loop_a <-> loop_b, self -> self,
#     escape -> ../escape-target (outside the tree; must not resolve)
#
# Only names, contents and link targets are fixed; times and permissions are
# whatever the host gives (the programs never print them).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: make_fixture.sh DIR" >&2
  exit 2
fi
D=$1
if [[ -e "$D" && -n "$(ls -A "$D")" ]]; then
  echo "make_fixture.sh: $D exists and is not empty" >&2
  exit 2
fi
mkdir -p "$D"

python3 - "$D" <<'PY'
import os, sys
d = sys.argv[1]

def lcg(seed, n):
    """n deterministic pseudo-random bytes (31-bit LCG, high byte)."""
    x, out = seed, bytearray(n)
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out[i] = x >> 23
    return bytes(out)

def put(rel, data):
    p = os.path.join(d, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)

put("empty", b"")
put("one", b"A")
put("seven.txt", b"seven!\n")
put("page.bin", lcg(1, 4096))
put("big.bin", lcg(2, 65537))
put("huge.bin", lcg(3, (1 << 20) + 7))
put("lines.txt", b"".join(b"line %03d of lines.txt\n" % i for i in range(100)))
put("text.txt", b"".join(b"%06d: def method_%d(x) = x * %d  # the quick brown fox jumps over the lazy dog\n"
                         % (i, i % 977, (i * 37) % 1000) for i in range(4000))[:300007])
put(".hidden", b"hidden\n")
put("with space.txt", b"a name with a space\n")
put("ünïcödé 日本.txt", "utf-8 name: ünïcödé 日本\n".encode())
put("dir/file.txt", b"hello from dir/file.txt\n")
put("dir/sub/deep/leaf.txt", b"leaf\n")
os.makedirs(os.path.join(d, "dir/empty_dir"))
for i in range(600):
    put("many/entry-%s%03d" % ("x" * (i % 17), i), (b"%03d\n" % i) * (i % 4))

for link, target in [
    ("rel", "dir/file.txt"),
    ("chain", "rel"),
    ("abs", "/data/dir/file.txt"),
    ("dir/abs_dir", "/data/dir/sub"),
    ("dir/sub/up", "../file.txt"),
    ("dirlink", "dir"),
    ("sublink", "dir/sub"),
    ("dangling", "does/not/exist"),
    ("loop_a", "loop_b"),
    ("loop_b", "loop_a"),
    ("self", "self"),
    ("escape", "../escape-target"),
]:
    os.symlink(target, os.path.join(d, link))
PY
