#!/usr/bin/env node
// uwasi-run.mjs: run a WASI preview1 command module under uwasi (npm), a
// third, independent JavaScript WASI implementation (node:wasi and
// @bjorn3/browser_wasi_shim are the other two). uwasi has stdio, args,
// environ, clocks, random and proc_exit, and NO file system: a packed image
// must serve its files itself, and must import nothing uwasi lacks.
//
//   node uwasi-run.mjs [--env K=V]... [--] module.wasm [args...]
//
// Same conventions as runtime/runner/wasi-run.mjs: argv = [module as given,
// args...], only the --env variables, the guest's exit code, 2 for usage
// and load errors (a link error names the missing import), 134 for a trap.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { rubyModules } from '../../scripts/lib/paths.mjs';

// uwasi's ESM build imports without file extensions, which node refuses.
const { WASI, useAll } = createRequire(import.meta.url)(resolve(rubyModules, 'uwasi'));

function die(msg, code = 2) {
  process.stderr.write(`uwasi-run: ${msg}\n`);
  process.exit(code);
}

const argv = process.argv.slice(2);
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (a !== '--env') break;
  const kv = argv[++i] ?? die('--env needs K=V');
  const k = kv.indexOf('=');
  if (k <= 0) die(`--env ${kv}: expected K=V`);
  env[kv.slice(0, k)] = kv.slice(k + 1);
}
if (i >= argv.length) die('no module given');
const args = argv.slice(i);

// uwasi hands each fd_write to these as text (UTF-8 decoded).
const out = (fd) => (text) => { if (text.length) writeSync(fd, text); };

const wasi = new WASI({ args, env, features: [useAll({ stdout: out(1), stderr: out(2) })] });
let instance;
try {
  const mod = await WebAssembly.compile(readFileSync(args[0]));
  instance = await WebAssembly.instantiate(mod, { wasi_snapshot_preview1: wasi.wasiImport });
} catch (e) {
  die(`${args[0]}: ${e.message}`);
}
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  if (e instanceof WebAssembly.RuntimeError) {
    process.stderr.write(`uwasi-run: trap: ${e.message}\n`);
    process.exit(134);
  }
  throw e;
}
process.exit(code ?? 0);
