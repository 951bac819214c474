#!/usr/bin/env bash
# build.sh [--store DIR] [--wimg PATH] [--tag NAME[:TAG]]: makes the base
# image ruby:3.4 (CRuby 3.4 from npm + its standard library as one layer)
# in a wimg store and prints its digest. It is
#
#   wimg import tools/ruby/node_modules/@ruby/3.4-wasm-wasi -t ruby:3.4
#
# on the package scripts/setup installed (pinned): the same image as an
# installed wimg makes without the source tree with
#
#   wimg import npm:@ruby/3.4-wasm-wasi@2.10.1 -t ruby:3.4
#
# (docs/CLI.md, "Bases"), with the same digest on every machine; a re-run
# finds the library in the store's cache and gives the same digest.
#
# --store DIR   the store (default: wimg's own: $WIMG_STORE, else ~/.local/share/wimg)
# --wimg PATH   the wimg binary (default: $WIMG, else build/wimg of the repo)
# --tag REF     the name to give (default ruby:3.4)
# The last stdout line is the image digest (sha256:...).
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/paths.sh"
PKG=$RUBY_MODULES/@ruby/3.4-wasm-wasi

die() { echo "build.sh: $*" >&2; exit 1; }
usage() { echo "usage: build.sh [--store DIR] [--wimg PATH] [--tag NAME[:TAG]]" >&2; exit 2; }

WIMG_BIN=${WIMG:-$WIMG_REPO/build/wimg}
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
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
[[ -x "$WIMG_BIN" ]] || die "no wimg at $WIMG_BIN (build it: cmake --build build --target wimg, or pass --wimg)"
[[ -f "$PKG/package.json" ]] || die "no $PKG (run scripts/setup)"

args=()
[[ -n "$STORE" ]] && args+=(--store "$STORE")
# The digest must not depend on the caller: created = 0, as for npm:.
env -u SOURCE_DATE_EPOCH WIMG_NODE="$NODE" "$WIMG_BIN" "${args[@]}" import "$PKG" -t "$TAG"
