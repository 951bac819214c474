#!/usr/bin/env bash
# The Ruby command step (runtime/inject/ruby_command.h) on a stand-in for
# npm's CRuby reactor (data/mini_ruby_reactor.wat: the same exports and
# imports, and it prints what it is given), run with node 24's WASI:
# - with --entrypoint/--cmd the packed file is a command (_start, no
#   _initialize) whose _start calls _initialize, then ruby-init with
#   [argv0, -EUTF-8, -e_=0, --, ENTRYPOINT..., (run args | CMD)...], each
#   NUL-terminated, then rb-eval-string-protect with the bootstrap program;
# - a JavaScript-only import says which one was called, and traps;
# - without them the file keeps the reactor's exports; a base that is not
#   a CRuby reactor never gets a _start of wimg's.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init test_ruby_command
source "$(dirname "$0")/../../scripts/lib/paths.sh"
SRC=$WIMG_REPO
S=$E2E_TMP/store
W() { "$WIMG" --store "$S" "$@"; }
command -v wat2wasm >/dev/null || fail "wat2wasm (wabt) is required"
command -v wasm-objdump >/dev/null || fail "wasm-objdump (wabt) is required"
[[ -x "$NODE" ]] || fail "no node 24 at $NODE (run scripts/setup)"
RUNNER=$SRC/runtime/runner/wasi-run.mjs

wat2wasm "$SRC/tests/e2e/data/mini_ruby_reactor.wat" -o "$E2E_TMP/ruby.wasm"
mkdir -p "$E2E_TMP/app" && echo 'puts 1' >"$E2E_TMP/app/x.rb"
exports() { wasm-objdump -x -j Export "$1" | sed -n 's/.*-> "\(.*\)"$/\1/p' | sort | tr '\n' ' '; }

W pack "$E2E_TMP/ruby.wasm" -o "$E2E_TMP/cmd.wasm" --layer "$E2E_TMP/app" --entrypoint /x.rb --cmd a 'b c' >"$E2E_TMP/pack.out"
assert_contains "base prepared" "$(cat "$E2E_TMP/pack.out")" "the command mode prepares the base"
ex=$(exports "$E2E_TMP/cmd.wasm")
assert_contains " _start " " $ex" "the command exports _start"
assert_not_contains "_initialize " "$ex" "the command no longer exports _initialize"
assert_contains "ABI:        command (CRuby made a command by wimg" "$(W inspect "$E2E_TMP/cmd.wasm")" "inspect"

# CMD, then run arguments replacing it.
want=$'[-EUTF-8]\n[-e_=0]\n[--]\n[/x.rb]\n[a]\n[b c]\n# The program of a wimg Ruby command module (runtime/inject/ruby_command.h).'
assert_eq "$want" "$("$NODE" "$RUNNER" "$E2E_TMP/cmd.wasm")" "ruby-init's words and the bootstrap (CMD)"
want=$'[-EUTF-8]\n[-e_=0]\n[--]\n[/x.rb]\n[-x]\n[]\n# The program of a wimg Ruby command module (runtime/inject/ruby_command.h).'
assert_eq "$want" "$("$NODE" "$RUNNER" -- "$E2E_TMP/cmd.wasm" -x '')" "ruby-init's words (run args)"

# node's own WASI runner (no wimg runner) starts it the same way.
cat >"$E2E_TMP/plain.mjs" <<'JS'
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
const wasi = new WASI({ version: 'preview1', args: process.argv.slice(2), env: {}, returnOnExit: true });
const inst = await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(process.argv[2])), wasi.getImportObject());
process.exitCode = wasi.start(inst);
JS
assert_contains "[b c]" "$("$NODE" --no-warnings "$E2E_TMP/plain.mjs" "$E2E_TMP/cmd.wasm")" "node:wasi start()"

# A JavaScript-only import: its name on stderr, then a trap (134 under the runner).
rc=0
"$NODE" "$RUNNER" -- "$E2E_TMP/cmd.wasm" js >"$E2E_TMP/js.out" 2>"$E2E_TMP/js.err" || rc=$?
assert_eq 134 "$rc" "a JavaScript import traps"
assert_contains "wimg: this Ruby command module has no JavaScript host: rb-js-abi-host.eval-js was called" \
  "$(cat "$E2E_TMP/js.err")" "the stub names the import"

# PREINIT: the command has the init export, and the snapshotter (a
# stand-in for Wizer that records its output path and returns its input)
# works in the store's tmp/ (swept by prune after a crash), not in $TMPDIR.
mkdir -p "$E2E_TMP/pre" && cp "$E2E_TMP/ruby.wasm" "$E2E_TMP/pre/ruby.wasm"
printf 'FROM ruby.wasm\nCMD ["/x.rb"]\nPREINIT ["-r", "json"]\n' >"$E2E_TMP/pre/Wasmfile"
cat >"$E2E_TMP/wizer" <<SH
#!/usr/bin/env bash
while [[ \$# -gt 0 ]]; do case \$1 in -o) out=\$2; shift 2 ;; -f) shift 2 ;; --*) shift ;; *) in=\$1; shift ;; esac; done
printf '%s\\n' "\$out" >"$E2E_TMP/wizer.out"
cp "\$in" "\$out"
SH
chmod +x "$E2E_TMP/wizer"
TMPDIR=/nonexistent WIMG_WIZER="$E2E_TMP/wizer" W build -o "$E2E_TMP/pre.wasm" "$E2E_TMP/pre" >/dev/null 2>"$E2E_TMP/pre.err" ||
  fail "PREINIT build with a stand-in Wizer: $(cat "$E2E_TMP/pre.err")"
assert_match "$S/tmp/preinit-[^/]+/out.wasm" "$(cat "$E2E_TMP/wizer.out")" "the snapshotter's scratch directory"
[[ -z "$(find "$S/tmp" -maxdepth 1 -name 'preinit-*')" ]] || fail "the snapshotter's scratch directory was left behind"
assert_contains "ruby-init + PREINIT" "$(W inspect "$E2E_TMP/pre.wasm")" "inspect names the interpreter's init"

# Without ENTRYPOINT/CMD: the reactor's exports, no _start.
W pack "$E2E_TMP/ruby.wasm" -o "$E2E_TMP/reactor.wasm" --layer "$E2E_TMP/app" >"$E2E_TMP/pack2.out"
assert_contains "base prepared" "$(cat "$E2E_TMP/pack2.out")" "the plain mode is its own preparation"
ex=$(exports "$E2E_TMP/reactor.wasm")
assert_contains "_initialize " "$ex" "a reactor keeps _initialize"
assert_not_contains " _start " " $ex" "a reactor gets no _start"
info=$(W inspect "$E2E_TMP/reactor.wasm")
assert_contains "ABI:        reactor (CRuby" "$info" "inspect of the reactor"
# Its JavaScript imports are whole WIT signatures: counted, not listed;
# WASI's names are listed; --json has every name.
assert_match '.*; rb-js-abi-host: [0-9]+ \(inspect --json lists them\); wasi_snapshot_preview1: args_get .*' \
  "$(grep '^Imports:' <<<"$info")" "the reactor's Imports line"
n=$(grep '^Imports:' <<<"$info" | sed -E 's/.*rb-js-abi-host: ([0-9]+) .*/\1/')
json_n=$(W inspect --json "$E2E_TMP/reactor.wasm" | python3 -c 'import json,sys; print(sum(1 for i in json.load(sys.stdin)["imports"] if i.startswith("rb-js-abi-host.")))')
assert_eq "$n" "$json_n" "rb-js-abi-host imports counted vs listed by --json"
# Cached: both modes again without preparing, byte-identical.
W pack "$E2E_TMP/ruby.wasm" -o "$E2E_TMP/cmd2.wasm" --layer "$E2E_TMP/app" --entrypoint /x.rb --cmd a 'b c' >"$E2E_TMP/pack3.out"
assert_not_contains "base prepared" "$(cat "$E2E_TMP/pack3.out")" "the command mode is cached"
cmp "$E2E_TMP/cmd.wasm" "$E2E_TMP/cmd2.wasm" || fail "packing the command twice gave different bytes"
echo "test_ruby_command: OK"
