#!/usr/bin/env bash
# build.sh [--store DIR] [--wimg PATH] [--tag NAME[:TAG]]: builds the base
# image ruby:3.4 (CRuby 3.4 from npm + its standard library, see Wasmfile)
# in a wimg store, reproducibly, and prints its digest.
#
#   1. stdlib.sh dumps the standard library of npm's ruby+stdlib.wasm once
#      (cache: $WIMG_RUBY_CACHE, default build/ruby-stdlib of the repo);
#   2. a build context is assembled in a temp dir: the Wasmfile, ruby.wasm
#      (tools/ruby/node_modules/@ruby/3.4-wasm-wasi/dist) and stdlib/;
#   3. `wimg build -t ruby:3.4` with SOURCE_DATE_EPOCH pinned, so the image
#      digest is the same on every machine and every run (a re-run is all
#      CACHED and gives the same digest).
#
# --store DIR   the store (default: wimg's own: $WIMG_STORE, else ~/.local/share/wimg)
# --wimg PATH   the wimg binary (default: $WIMG, else build/wimg of the repo)
# --tag REF     the name to give (default ruby:3.4)
# The last stdout line is the image digest (sha256:...).
#
# Paths: scripts/lib/paths.sh. Env: WIMG_NODE (node >= 24), WIMG_RUBY_CACHE.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
DIST=$RUBY_DIST
# 2025-01-01T00:00:00Z: the image's `created`. Pinned, not taken from the
# environment: the digest of ruby:3.4 must not depend on the caller.
EPOCH=1735689600

die() { echo "build.sh: $*" >&2; exit 1; }
usage() { echo "usage: build.sh [--store DIR] [--wimg PATH] [--tag NAME[:TAG]]" >&2; exit 2; }

WIMG_BIN=${WIMG:-$SRC/build/wimg}
STORE=
TAG=ruby:3.4
while (($#)); do
  case $1 in
    --store) (($# >= 2)) || usage; STORE=$2; shift 2 ;;
    --store=*) STORE=${1#*=}; shift ;;
    --wimg) (($# >= 2)) || usage; WIMG_BIN=$2; shift 2 ;;
    --wimg=*) WIMG_BIN=${1#*=}; shift ;;
    --tag) (($# >= 2)) || usage; TAG=$2; shift 2 ;;
    --tag=*) TAG=${1#*=}; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
[[ -x "$WIMG_BIN" ]] || die "no wimg at $WIMG_BIN (build it: cmake --build build --target wimg, or pass --wimg)"
[[ -f "$DIST/ruby.wasm" ]] || die "no $DIST/ruby.wasm (run scripts/setup)"

# The Wasmfile's labels name the npm package and version: refuse a different one.
want=$(sed -n 's/.*wimg\.ruby\.npm-version="\([^"]*\)".*/\1/p' "$HERE/Wasmfile")
have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DIST/../package.json")
[[ -n "$want" && "$want" == "$have" ]] ||
  die "the Wasmfile is for @ruby/3.4-wasm-wasi@$want but tools/ruby has $have (run scripts/setup)"

CACHE=${WIMG_RUBY_CACHE:-$SRC/build/ruby-stdlib}
bash "$HERE/stdlib.sh" "$CACHE" >&2
STDLIB=$CACHE/stdlib/usr/local/lib/ruby
[[ -d "$STDLIB" ]] || die "stdlib.sh made no $STDLIB"

# The context: modes normalised (0644 files, 0755 directories) whatever the
# umask, so the layer digest depends on the contents only.
umask 022
CTX=$(mktemp -d "${TMPDIR:-/tmp}/wimg-ruby-base.XXXXXX")
trap 'rm -rf "$CTX"' EXIT
cp "$HERE/Wasmfile" "$CTX/Wasmfile"
cp --no-preserve=all "$DIST/ruby.wasm" "$CTX/ruby.wasm"
cp -R --no-preserve=all "$STDLIB" "$CTX/stdlib"

args=()
[[ -n "$STORE" ]] && args+=(--store "$STORE")
SOURCE_DATE_EPOCH=$EPOCH "$WIMG_BIN" "${args[@]}" build -t "$TAG" "$CTX" | tee "$CTX/build.log" >&2
digest=$(sed -n 's/^image \(sha256:[0-9a-f]\{64\}\):.*/\1/p' "$CTX/build.log")
[[ -n "$digest" ]] || die "wimg build printed no image digest"
echo "$digest"
