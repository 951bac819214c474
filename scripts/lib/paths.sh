# scripts/lib/paths.sh: the one place that says where the source tree, tools/
# (what scripts/setup installs), node 24 and the npm packages are. Every bash
# script of the repo sources it; every .mjs imports its twin, paths.mjs, which
# must agree with it (tests/e2e/test_paths.sh checks that they do).
#
#   source "$(dirname "$0")/<relative path to>/scripts/lib/paths.sh"
#
# Defines (and exports, so child scripts and node see the same):
#   WIMG_REPO      the source tree (this file's grandparent, absolute, symlinks resolved)
#   WIMG_TOOLS     $WIMG_REPO/tools
#   TOOLS_NODE     the pinned node 24 scripts/setup installs into tools/node
#   NODE           node 24: $WIMG_NODE if set (wimg run honours it too), else $TOOLS_NODE
#   RUBY_MODULES   tools/ruby/node_modules (@ruby/3.4-wasm-wasi, @ruby/wasm-wasi, the shim)
#   RUBY_DIST      $RUBY_MODULES/@ruby/3.4-wasm-wasi/dist (ruby.wasm, ruby+stdlib.wasm)
#   RACK_LIB       tools/rack/lib: Debian's ruby-rack (pure Ruby), for a Rack test
#   BROWSER_MODULES tools/browser/node_modules (playwright-core)
#   TOOLS_WIZER    the pinned Wizer 11 scripts/setup installs into tools/wizer
#   WIMG_WIZER     Wizer for PREINIT images: $WIMG_WIZER if set (wimg reads it), else $TOOLS_WIZER
# Nothing here runs anything or checks that the files exist: callers say what
# is missing in their own words (usually "run scripts/setup").
WIMG_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
WIMG_TOOLS=$WIMG_REPO/tools
TOOLS_NODE=$WIMG_TOOLS/node/node_modules/node/bin/node
NODE=${WIMG_NODE:-$TOOLS_NODE}
RUBY_MODULES=$WIMG_TOOLS/ruby/node_modules
RUBY_DIST=$RUBY_MODULES/@ruby/3.4-wasm-wasi/dist
BROWSER_MODULES=$WIMG_TOOLS/browser/node_modules
RACK_LIB=$WIMG_TOOLS/rack/lib
ASC_MODULES=$WIMG_TOOLS/asc/node_modules
TOOLS_WIZER=$WIMG_TOOLS/wizer/node_modules/@bytecodealliance/wizer-linux-x64/wizer
WIMG_WIZER=${WIMG_WIZER:-$TOOLS_WIZER}
export WIMG_REPO WIMG_TOOLS TOOLS_NODE NODE RUBY_MODULES RUBY_DIST BROWSER_MODULES RACK_LIB ASC_MODULES TOOLS_WIZER WIMG_WIZER
