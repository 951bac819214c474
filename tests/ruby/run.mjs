#!/usr/bin/env node
// run.mjs [--dir HOST::GUEST]... [--env K=V]... WASM SCRIPT.rb
// run.mjs [--dir HOST::GUEST]... [--env K=V]... WASM -e CODE
//
// Instantiates a CRuby reactor module (npm's ruby.wasm or ruby+stdlib.wasm,
// packed by wimg or not) with node's WASI (preview1) through RubyVM from
// @ruby/wasm-wasi, then evaluates the Ruby code read from the HOST file
// SCRIPT.rb (or given with -e). Whatever the script reads at run time comes
// from the guest's file system: host preopens given with --dir (HOST, or
// HOST::GUEST) and whatever the module embeds. The guest sees only the --env
// variables. Options may appear anywhere before or after WASM and SCRIPT.
//
// stdout/stderr are the guest's (Ruby's $stdout/$stderr are flushed after the
// script). Exit code: 0 when the script finished; the status of `exit N`;
// 1 when it raised (the exception and backtrace are printed on stderr);
// the code of a proc_exit call by the module (e.g. `exit!`, or a runtime
// giving up during initialization: reported on stderr); 2 for usage and
// load errors; 134 for a trap.
//
// Needs node >= 24 (node 20 crashes in V8's GC when WASI calls interleave
// with memory growth). scripts/lib/paths.mjs locates tools/ruby.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { rubyModules } from '../../scripts/lib/paths.mjs';
import { loadWasi } from '../../scripts/lib/node_wasi.mjs';

function die(msg, code = 2) {
  process.stderr.write(`run.mjs: ${msg}\n`);
  process.exit(code);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) die(`needs node >= 24 (this is ${process.version})`);

const USAGE = 'usage: node run.mjs [--dir HOST[::GUEST]]... [--env K=V]... WASM (SCRIPT.rb | -e CODE)';
const preopens = {};
const env = {};
const positional = [];
let code = null;
let scriptName = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value\n${USAGE}`));
  if (a === '--dir') {
    const v = next();
    const sep = v.indexOf('::');
    const host = sep >= 0 ? v.slice(0, sep) : v;
    const guest = sep >= 0 ? v.slice(sep + 2) : v;
    if (!host || !guest) die(`--dir ${v}: expected HOST or HOST::GUEST`);
    let st;
    try { st = statSync(host); } catch (e) { die(`--dir ${host}: ${e.code || e.message}`); }
    if (!st.isDirectory()) die(`--dir ${host}: not a directory`);
    if (guest in preopens) die(`--dir: guest path ${guest} given twice`);
    preopens[guest] = host;
  } else if (a === '--env') {
    const v = next();
    const k = v.indexOf('=');
    if (k <= 0) die(`--env ${v}: expected K=V`);
    env[v.slice(0, k)] = v.slice(k + 1);
  } else if (a === '-e') {
    code = next();
    scriptName = '-e';
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  } else if (a.startsWith('-')) {
    die(`unknown option ${a}\n${USAGE}`);
  } else {
    positional.push(a);
  }
}
if (positional.length !== (code === null ? 2 : 1)) die(USAGE);
const wasmPath = positional[0];
if (code === null) {
  scriptName = positional[1];
  try { code = readFileSync(scriptName, 'utf8'); } catch (e) { die(`cannot read ${scriptName}: ${e.code || e.message}`); }
}

const rubyPkg = resolve(rubyModules, '@ruby/wasm-wasi/dist/esm/index.js');

const WASI = await loadWasi();  // node:wasi without its experimental warning
let RubyVM;
try {
  ({ RubyVM } = await import(rubyPkg));
} catch (e) {
  die(`cannot load @ruby/wasm-wasi from ${rubyPkg} (run scripts/setup): ${e.message}`);
}

let module;
try {
  module = await WebAssembly.compile(readFileSync(wasmPath));
} catch (e) {
  die(`cannot load ${wasmPath}: ${e.code || e.message}`);
}

const wasi = new WASI({ version: 'preview1', args: ['ruby'], env, preopens, returnOnExit: true });
// proc_exit from inside a reactor call (rubyInit, eval) would throw node's
// private marker out of RubyVM; ours carries the code instead.
class ProcExit extends Error {
  constructor(code) { super(`proc_exit(${code})`); this.code = code; }
}
const wasiImport = { ...wasi.wasiImport, proc_exit: (code) => { throw new ProcExit(code); } };
const wasip1 = { wasiImport, initialize: (instance) => wasi.initialize(instance) };
let vm;
try {
  ({ vm } = await RubyVM.instantiateModule({ module, wasip1 }));
} catch (e) {
  if (e instanceof ProcExit) die(`${wasmPath} called proc_exit(${e.code}) during initialization`, e.code);
  if (e instanceof WebAssembly.RuntimeError) die(`${wasmPath} trapped during initialization: ${e.message}`, 134);
  // Not always an Error: node's WASI throws a plain object (kExitCode) when
  // the guest calls proc_exit during initialization.
  die(`cannot instantiate ${wasmPath}: ${describe(e)}`);
}

// The script runs as the body of a Ruby method that reports the outcome, so
// that `exit N` and exceptions become exit codes without crossing into JS
// (an exception escaping vm.eval leaves the VM unusable for the flush).
// The script text travels as a Ruby string; eval gives it its file name.
const wrapper = `
begin
  __wimg_status = 0
  begin
    eval(${rubyString(code)}, TOPLEVEL_BINDING, ${rubyString(scriptName)}, 1)
  rescue SystemExit => e
    __wimg_status = e.status
  rescue Exception => e
    $stdout.flush rescue nil
    $stderr.puts e.full_message(highlight: false)
    __wimg_status = 1
  end
  $stdout.flush rescue nil
  $stderr.flush rescue nil
  __wimg_status
end
`;
let status;
try {
  status = Number(vm.eval(wrapper).toString());
} catch (e) {
  if (e instanceof ProcExit) die(`${wasmPath} called proc_exit(${e.code})`, e.code);
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) die(`${wasmPath} trapped: ${e.message}`, 134);
  process.stderr.write(`run.mjs: ${describe(e)}\n`);
  status = 1;
}
process.exitCode = status;

function describe(e) {
  if (e instanceof Error) return e.stack || e.message;
  try { return `${typeof e} ${JSON.stringify(e)}`; } catch { return String(e); }
}

// A Ruby string literal for any text: every byte outside printable ASCII
// (and \, ", #) escaped, tagged UTF-8.
function rubyString(s) {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x23) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out + '".force_encoding("UTF-8")';
}
