#!/usr/bin/env node
// measure.mjs --result FILE [--dir HOST::GUEST]... WASM SCRIPT.rb
// measure.mjs --result FILE --command WASM
//
// One sample of bench/ruby.sh, in a fresh node (>= 24) process: compiles the
// CRuby reactor module WASM, then times, from just before
// WebAssembly.instantiate to the end of the script,
//   instantiate  WebAssembly.instantiate (active data segments copied in)
//   init         RubyVM setInstance + WASI initialize (_initialize) +
//                RubyVM initialize (ruby-init with RubyVM's default argv,
//                and RubyVM's own /bundle/setup probe)
//   eval         vm.eval of SCRIPT.rb (read before the clock starts) and a
//                flush of $stdout/$stderr
// which is what RubyVM.instantiateModule + vm.eval do, split into steps.
// The guest's stdout/stderr are this process's (the caller checks them);
// the figures go to FILE as one JSON object:
//   {read_ms, compile_ms, instantiate_ms, init_ms, eval_ms, total_ms,
//    memory_bytes, wasm_bytes}
// total_ms = instantiate + init + eval; memory_bytes is the linear memory's
// byte length after the eval. Node's WASI gets no environment variables and
// only the --dir preopens. Exit code 0 on success; 1 if any step throws.
//
// --command: WASM is a WASI command (a wimg Ruby command image whose
// ENTRYPOINT runs the workload, e.g. with PREINIT): instantiate, then
// _start, which does init and eval together (initialised Ruby's resume +
// bootstrap + the script, exit! at the end): reported as eval_ms, init_ms 0.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { rubyModules } from '../../scripts/lib/paths.mjs';
import { loadWasi } from '../../scripts/lib/node_wasi.mjs';

function die(msg) {
  process.stderr.write(`measure.mjs: ${msg}\n`);
  process.exit(2);
}
if (Number(process.versions.node.split('.')[0]) < 24) die(`needs node >= 24 (this is ${process.version})`);

const preopens = {};
const positional = [];
let resultPath = null;
let command = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value`));
  if (a === '--dir') {
    const v = next();
    const sep = v.indexOf('::');
    if (sep <= 0) die(`--dir ${v}: expected HOST::GUEST`);
    preopens[v.slice(sep + 2)] = v.slice(0, sep);
  } else if (a === '--command') {
    command = true;
  } else if (a === '--result') {
    resultPath = next();
  } else if (a.startsWith('-')) {
    die(`unknown option ${a}`);
  } else {
    positional.push(a);
  }
}
if (positional.length !== (command ? 1 : 2) || !resultPath) {
  die('usage: measure.mjs --result FILE [--dir HOST::GUEST]... WASM SCRIPT.rb | --result FILE --command WASM');
}
const [wasmPath, scriptPath] = positional;

const WASI = await loadWasi();  // node:wasi without its experimental warning
const { RubyVM } = await import(resolve(rubyModules, '@ruby/wasm-wasi/dist/esm/index.js'));
const code = command ? '' : readFileSync(scriptPath, 'utf8');

const r0 = performance.now();
const bytes = readFileSync(wasmPath);
const r1 = performance.now();
const module = await WebAssembly.compile(bytes);
const c1 = performance.now();

const wasi = new WASI({ version: 'preview1', args: ['ruby'], env: {}, preopens, returnOnExit: true });
let t0, t1, t2, t3, instance;
if (command) {
  t0 = performance.now();
  instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  t1 = t2 = performance.now();
  const rc = wasi.start(instance);
  t3 = performance.now();
  if (rc !== 0) die(`_start exited with ${rc}`);
} else {
  const vm = new RubyVM();
  const imports = { wasi_snapshot_preview1: wasi.wasiImport };
  vm.addToImports(imports);
  t0 = performance.now();
  instance = await WebAssembly.instantiate(module, imports);
  t1 = performance.now();
  await vm.setInstance(instance);
  wasi.initialize(instance);
  vm.initialize();
  t2 = performance.now();
  vm.eval(code);
  vm.eval('$stdout.flush; $stderr.flush');
  t3 = performance.now();
}

const result = {
  read_ms: r1 - r0,
  compile_ms: c1 - r1,
  instantiate_ms: t1 - t0,
  init_ms: t2 - t1,
  eval_ms: t3 - t2,
  total_ms: t3 - t0,
  memory_bytes: instance.exports.memory.buffer.byteLength,
  wasm_bytes: bytes.length,
};
writeFileSync(resultPath, JSON.stringify(result) + '\n');
