#!/usr/bin/env bash
# Host directories under `wimg run` (node 24, the default host) are a
# security boundary: the guest runtime resolves every path under them itself
# (runtime/guest/hostpath.c), so no symlink trick reaches a host file outside
# the mounted directory; legitimate symlinks inside it still work; `:ro`
# mounts (--dir HOST::GUEST:ro, -v HOST:GUEST:ro) answer EROFS to changes;
# bad guest pointers in host path calls are EFAULT, never a trap.
# The guest is tests/e2e/data/fsops.c, packed with a small image.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/lib/paths.sh
source "$(dirname "$0")/../../scripts/lib/paths.sh"
e2e_init test_host_mounts
umask 022
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup, or set WIMG_NODE)"
command -v clang-19 >/dev/null || fail "clang-19 is required (wasm32-wasi guest)"
S=$E2E_TMP/store
mkdir -p "$E2E_TMP/nodebin"
ln -s "$NODE" "$E2E_TMP/nodebin/node"
R() { PATH=$E2E_TMP/nodebin "$WIMG" --store "$S" run --host node "$@"; }

clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror "$WIMG_REPO/tests/e2e/data/fsops.c" \
  -o "$E2E_TMP/fsops.wasm"
mkdir -p "$E2E_TMP/img/app"
echo "image file" >"$E2E_TMP/img/app/i.txt"
APP=$E2E_TMP/app.wasm
"$WIMG" --store "$S" pack "$E2E_TMP/fsops.wasm" -o "$APP" --layer "$E2E_TMP/img" >/dev/null

# The mount h (at /data) and what lies outside it.
H=$E2E_TMP/h
OUT=$E2E_TMP/outside
mkdir -p "$H/sub" "$OUT" "$E2E_TMP/database"
echo "secret" >"$OUT/secret.txt"
echo "db" >"$E2E_TMP/database/x"
echo "hi" >"$H/f.txt"
echo "x" >"$H/sub/x.txt"
ln -s /etc "$H/e"                    # the issue's pre-existing host symlink
ln -s "$OUT" "$H/o"                  # absolute host path of a dir outside
ln -s ../outside "$H/rel"            # relative, climbing out
ln -s "$OUT/secret.txt" "$H/fo"      # a file outside
ln -s ../outside/new.txt "$H/dl"     # dangling, outside
ln -s /database/x "$H/pre"           # absolute, a sibling of the guest path /data
ln -s sub/x.txt "$H/lx"              # legitimate: relative, inside
ln -s /data/sub/x.txt "$H/absok"     # legitimate: absolute guest path inside the mount
ln -s .. "$H/sub/up"                 # legitimate: back to the mount root

chain=()
for k in 1 2 3 4 5 6 7 8; do chain+=(symlink "s$((k - 1))/.." "/data/s$k"); done
chain[1]="r/.."
expect_rc 0 "escape attempts" R --dir "$H::/data" "$APP" \
  symlink . /data/r "${chain[@]}" \
  cat /data/s8/etc/passwd write /data/s1/PWNED.txt x write /data/s8/tmp/wimg-PWNED-$$.txt x \
  cat /data/e/passwd cat /data/o/secret.txt cat /data/rel/secret.txt cat /data/fo \
  cat /data/../outside/secret.txt ls /data/o stat /data/e mkdir /data/o/new write /data/dl y \
  rename /data/f.txt /data/o/f.txt link /data/sub/x.txt /data/o/x.txt unlink /data/o/secret.txt \
  cat /data/pre cat /data/sub/up/../outside/secret.txt \
  symlink l2 /data/l1 symlink l1 /data/l2 cat /data/l1 \
  opendir /data/sub at ../f.txt at ../outside/secret.txt at x.txt \
  mkdir /data/sw rename /data/sw /data/sw_old symlink s1 /data/sw cat /data/sw/outside/secret.txt
assert_eq "symlink . /data/r: ok
symlink r/.. /data/s1: ok
symlink s1/.. /data/s2: ok
symlink s2/.. /data/s3: ok
symlink s3/.. /data/s4: ok
symlink s4/.. /data/s5: ok
symlink s5/.. /data/s6: ok
symlink s6/.. /data/s7: ok
symlink s7/.. /data/s8: ok
cat /data/s8/etc/passwd: ENOTCAPABLE
write /data/s1/PWNED.txt x: ENOTCAPABLE
write /data/s8/tmp/wimg-PWNED-$$.txt x: ENOTCAPABLE
cat /data/e/passwd: ENOTCAPABLE
cat /data/o/secret.txt: ENOTCAPABLE
cat /data/rel/secret.txt: ENOTCAPABLE
cat /data/fo: ENOTCAPABLE
cat /data/../outside/secret.txt: ENOTCAPABLE
ls /data/o: ENOTCAPABLE
stat /data/e: ENOTCAPABLE
mkdir /data/o/new: ENOTCAPABLE
write /data/dl y: ENOTCAPABLE
rename /data/f.txt /data/o/f.txt: ENOTCAPABLE
link /data/sub/x.txt /data/o/x.txt: ENOTCAPABLE
unlink /data/o/secret.txt: ENOTCAPABLE
cat /data/pre: ENOTCAPABLE
cat /data/sub/up/../outside/secret.txt: ENOTCAPABLE
symlink l2 /data/l1: ok
symlink l1 /data/l2: ok
cat /data/l1: ELOOP
opendir /data/sub: ok
at ../f.txt: ENOTCAPABLE
at ../outside/secret.txt: ENOTCAPABLE
at x.txt: ok x
mkdir /data/sw: ok
rename /data/sw /data/sw_old: ok
symlink s1 /data/sw: ok
cat /data/sw/outside/secret.txt: ENOTCAPABLE" "$(cat "$E2E_TMP/out")" "every escape is refused"
[[ ! -e $E2E_TMP/PWNED.txt && ! -e /tmp/wimg-PWNED-$$.txt && ! -e $OUT/new.txt && ! -e $OUT/new ]] ||
  fail "a file was created outside the mount"
[[ $(cat "$OUT/secret.txt") == secret && ! -e $OUT/f.txt && ! -e $OUT/x.txt ]] || fail "outside was changed"
[[ -f $H/f.txt ]] || fail "f.txt left the mount"

# Legitimate symlinks inside the mount, and writes through them.
expect_rc 0 "symlinks inside the mount" R --dir "$H::/data" "$APP" \
  cat /data/lx cat /data/absok cat /data/sub/up/f.txt cat /data/sub/up/sub/up/lx readlink /data/e lstat /data/e \
  stat /data/lx write /data/sub/../f.txt y cat /data/f.txt symlink sub /data/ls write /data/ls/new.txt z \
  cat /data/sub/new.txt rename /data/ls/new.txt /data/sub/up/moved.txt cat /data/moved.txt \
  opendir /data/ls at x.txt efault /data
assert_eq "cat /data/lx: ok x
cat /data/absok: ok x
cat /data/sub/up/f.txt: ok hi
cat /data/sub/up/sub/up/lx: ok x
readlink /data/e: ok /etc
lstat /data/e: ok link size 4
stat /data/lx: ok file size 2
write /data/sub/../f.txt y: ok
cat /data/f.txt: ok y
symlink sub /data/ls: ok
write /data/ls/new.txt z: ok
cat /data/sub/new.txt: ok z
rename /data/ls/new.txt /data/sub/up/moved.txt: ok
cat /data/moved.txt: ok z
opendir /data/ls: ok
at x.txt: ok x
efault /data: 21 21 21 21 21 21 21" "$(cat "$E2E_TMP/out")" "symlinks inside the mount (and bad pointers: EFAULT)"
[[ $(cat "$H/moved.txt") == z && $(cat "$H/f.txt") == y ]] || fail "writes did not reach the host dir"

# Read-only mounts: both spellings; the runtime's variable stays hidden.
RO=$E2E_TMP/ro
mkdir -p "$RO/d"
echo "ro" >"$RO/f.txt"
expect_rc 0 "read-only mounts" R --dir "$RO::/ro:ro" -v "$RO:/ro2:ro" -v "$H:/rw" --tmpfs-size 64m "$APP" \
  cat /ro/f.txt ls /ro write /ro/f.txt x append /ro/f.txt x write /ro/new.txt x mkdir /ro/n unlink /ro/f.txt \
  rmdir /ro/d rename /ro/f.txt /ro/g.txt symlink f.txt /ro/l link /ro/f.txt /ro/h.txt rename /ro/f.txt /rw/g.txt \
  unlink /ro/f.txt/ rmdir /ro/f.txt/ unlink /ro/f.txt/x \
  cat /ro2/f.txt write /ro2/f.txt x write /rw/rw.txt ok cat /rw/rw.txt unlink /rw/rw.txt/ env
out=$(cat "$E2E_TMP/out")
assert_eq "cat /ro/f.txt: ok ro
ls /ro: ok d f.txt
write /ro/f.txt x: EROFS
append /ro/f.txt x: EROFS
write /ro/new.txt x: EROFS
mkdir /ro/n: EROFS
unlink /ro/f.txt: EROFS
rmdir /ro/d: EROFS
rename /ro/f.txt /ro/g.txt: EROFS
symlink f.txt /ro/l: EROFS
link /ro/f.txt /ro/h.txt: EROFS
rename /ro/f.txt /rw/g.txt: EROFS
unlink /ro/f.txt/: EROFS
rmdir /ro/f.txt/: EROFS
unlink /ro/f.txt/x: ENOTDIR
cat /ro2/f.txt: ok ro
write /ro2/f.txt x: EROFS
write /rw/rw.txt ok: ok
cat /rw/rw.txt: ok ok
unlink /rw/rw.txt/: ENOTDIR" "$(grep -v '^env ' <<<"$out")" "read-only mounts"
assert_not_contains "WIMG_READONLY" "$out" "the guest does not see WIMG_READONLY"
assert_not_contains "WIMG_UPPER" "$out" "the guest does not see WIMG_UPPER (--tmpfs-size)"
[[ $(cat "$RO/f.txt") == ro && -d $RO/d && ! -e $RO/new.txt && ! -e $H/g.txt ]] || fail "a read-only mount changed"
[[ $(cat "$H/rw.txt") == ok ]] || fail "the writable mount beside them was not written"

# One mount table: the host mount shadows the image's /data for lookups
# through the image's tree too (the image root's fd, image symlinks into
# the mount), as docker run -v does; the mount's rules still hold there.
mkdir -p "$E2E_TMP/img2/app" "$E2E_TMP/img2/data"
echo "image file" >"$E2E_TMP/img2/app/i.txt"
echo "shadowed" >"$E2E_TMP/img2/data/img-only.txt"
ln -s /data/f.txt "$E2E_TMP/img2/app/link"
ln -s ../data "$E2E_TMP/img2/app/dl"
APP2=$E2E_TMP/app2.wasm
"$WIMG" --store "$S" pack "$E2E_TMP/fsops.wasm" -o "$APP2" --layer "$E2E_TMP/img2" >/dev/null
expect_rc 0 "mount table" R --dir "$H::/data" "$APP2" \
  cat /data/img-only.txt cat /app/link cat /app/dl/moved.txt ls /app/dl/sub write /app/dl/via-image.txt v \
  opendir / at data/moved.txt at data/img-only.txt at data/e/passwd at data/../app/i.txt at app/i.txt
assert_eq "cat /data/img-only.txt: ENOENT
cat /app/link: ok y
cat /app/dl/moved.txt: ok z
ls /app/dl/sub: ok up x.txt
write /app/dl/via-image.txt v: ok
opendir /: ok
at data/moved.txt: ok z
at data/img-only.txt: ENOENT
at data/e/passwd: ENOTCAPABLE
at data/../app/i.txt: ENOTCAPABLE
at app/i.txt: ok image file" "$(cat "$E2E_TMP/out")" "the mount shadows the image's /data"
[[ $(cat "$H/via-image.txt") == v ]] || fail "a write through the image's tree did not reach the mount"

expect_rc 2 "bad -v" R -v "$RO" "$APP"
assert_contains "-v $RO: expected HOST:GUEST[:ro|:rw]" "$(cat "$E2E_TMP/err")" "-v syntax error"
note "ok"
