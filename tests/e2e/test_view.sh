#!/usr/bin/env bash
# ls / cat / export of store images: the merged view of a layer stack with
# whiteouts and opaque directories, and a lossless export round trip.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_view
umask 022
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }

# Two layers: the upper replaces a file, whites one out, makes a dir opaque.
L1=$E2E_TMP/l1 L2=$E2E_TMP/l2
mkdir -p "$L1/etc" "$L1/usr/lib" "$L2/etc" "$L2/usr"
echo base >"$L1/etc/motd"
echo conf >"$L1/etc/conf"
echo lib >"$L1/usr/lib/x.rb"
ln -s usr/lib "$L1/lib"
echo new >"$L2/etc/motd"
: >"$L2/etc/.wh.conf"
: >"$L2/usr/.wh..wh..opq"
echo app >"$L2/usr/app.rb"
W image create -t stack:1 --layer "$L1" --layer "$L2" >/dev/null

got=$(W ls -R stack:1)
want=$'/etc\n/etc/motd\n/lib\n/usr\n/usr/app.rb'
assert_eq "$want" "$got" "ls -R of the merged stack"
assert_eq "new" "$(W cat stack:1 /etc/motd)" "cat of a replaced file"
assert_eq "app" "$(W cat stack:1 usr/../usr/app.rb)" "cat through .."
rc=0; W cat stack:1 /lib/x.rb >/dev/null 2>"$E2E_TMP/err" || rc=$?
assert_eq 4 "$rc" "cat through a symlink into an opaque-hidden dir"
assert_contains "ENOENT" "$(cat "$E2E_TMP/err")" "cat error"
rc=0; W cat stack:1 /etc >/dev/null 2>"$E2E_TMP/err" || rc=$?
assert_eq 3 "$rc" "cat of a directory"
assert_contains "L1   /etc/motd" "$(W ls -R -l stack:1)" "ls -l names the providing layer"

# history: newest first, one row per layer, with the instruction text.
hist=$(W history --no-trunc stack:1)
l2=$(wimg_add "$S" "$L2")
l1=$(wimg_add "$S" "$L1")
assert_eq "2" "$(printf '%s\n' "$hist" | grep -c 'sha256:')" "history rows with layers"
assert_contains "$l2" "$(printf '%s\n' "$hist" | sed -n 2p)" "newest history row"
assert_contains "$l1" "$(printf '%s\n' "$hist" | sed -n 3p)" "oldest history row"
assert_contains "layer add $L2" "$hist" "history created_by"

# Export round trip: a generated tree -> image -> export -> layer add gives
# the same layer digest (modes, symlinks, contents all preserved).
gen_tree "$E2E_TMP/tree" 400 view >/dev/null
D=$(wimg_add "$S" "$E2E_TMP/tree")
W image create -t tree:1 --layer "$D" >/dev/null
W export tree:1 -o "$E2E_TMP/out" >/dev/null
D2=$(wimg_add "$S" "$E2E_TMP/out")
assert_eq "$D" "$D2" "digest after export and re-add"
# Exported times are the image's created time (SOURCE_DATE_EPOCH or 0).
newest=$(find "$E2E_TMP/out" -mindepth 1 -printf '%T@\n' | sort -n | tail -n 1)
assert_eq "0.0000000000" "$newest" "newest mtime in the export"
# Export refuses a non-empty target and leaves it alone.
rc=0; W export tree:1 -o "$E2E_TMP/out" >/dev/null 2>"$E2E_TMP/err" || rc=$?
assert_eq 3 "$rc" "export into a non-empty directory"
echo "test_view: ok"
