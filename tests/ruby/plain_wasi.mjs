#!/usr/bin/env node
// plain_wasi.mjs MODULE.wasm [ARGS...]: runs a WASI preview1 COMMAND module
// the plainest way node 24 can, as any third-party host would: node:wasi with
// no preopens, an empty environment, args = [MODULE.wasm, ARGS...],
// `wasi.start(instance)`. Nothing of wimg (not its runner, not
// @ruby/wasm-wasi): a wimg-built Ruby command module must run here on its
// own, finding its files inside itself.
//
// Exit code: the guest's (proc_exit or a return from _start); 134 when it
// traps; 2 for usage and load errors (a module without `_start`, e.g. a
// reactor, cannot be started: node:wasi refuses it and we exit 2).
import { readFileSync } from 'node:fs';
import { loadWasi } from '../../scripts/lib/node_wasi.mjs';

function die(msg, code = 2) {
  process.stderr.write(`plain_wasi: ${msg}\n`);
  process.exit(code);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) die(`needs node >= 24 (this is ${process.version})`);
if (process.argv.length < 3) die('usage: node plain_wasi.mjs MODULE.wasm [ARGS...]');
const [wasmPath, ...rest] = process.argv.slice(2);

const WASI = await loadWasi();  // node:wasi without its experimental warning

let module;
try {
  module = await WebAssembly.compile(readFileSync(wasmPath));
} catch (e) {
  die(`cannot load ${wasmPath}: ${e.code || e.message}`);
}
if (!WebAssembly.Module.exports(module).some((e) => e.name === '_start' && e.kind === 'function')) {
  die(`${wasmPath} exports no _start: not a WASI command module`);
}
const wasi = new WASI({ version: 'preview1', args: [wasmPath, ...rest], env: {}, returnOnExit: true });
let instance;
try {
  instance = await WebAssembly.instantiate(module, wasi.getImportObject());
} catch (e) {
  die(`cannot instantiate ${wasmPath}: ${e.message}`);
}
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    process.stderr.write(`plain_wasi: ${wasmPath} trapped: ${e.message}\n`);
    process.exit(134);
  }
  die(`${wasmPath}: ${e?.stack || e}`);
}
process.exitCode = code;
