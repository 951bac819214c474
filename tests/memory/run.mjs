#!/usr/bin/env node
// run.mjs: run a WASI preview1 command module under node's WASI, also when
// its memory is IMPORTED rather than exported (which node's WASI and
// runtime/runner/wasi-run.mjs cannot do by themselves).
//
//   node run.mjs [--dir HOST[::GUEST]]... [--env K=V]... [--] module.wasm [args...]
//
// Every memory import of the module (e.g. env.memory from
// `wasm-ld --import-memory`) is satisfied with a new WebAssembly.Memory whose
// limits (initial, maximum, shared) are read from the module's own import
// section, so a packed module that changes them is served correctly too.
// WASI then works on the exported memory if there is one, else on the
// imported one. Exit code: the guest's; 2 for usage and load errors (message
// on stderr); 134 for a trap. Needs node >= 24.

import { readFileSync, statSync } from 'node:fs';

function die(msg, code = 2) {
  process.stderr.write(`run.mjs: ${msg}\n`);
  process.exit(code);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) die(`needs node >= 24 (this is ${process.version})`);

const USAGE = 'usage: node run.mjs [--dir HOST[::GUEST]]... [--env K=V]... [--] module.wasm [args...]';
const preopens = {};
const env = {};
const argv = process.argv.slice(2);
let i = 0;
for (; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { i++; break; }
  if (a !== '--dir' && a !== '--env') {
    if (a.startsWith('-')) die(`unknown option ${a}\n${USAGE}`);
    break;
  }
  if (i + 1 >= argv.length) die(`${a} needs a value\n${USAGE}`);
  const v = argv[++i];
  if (a === '--env') {
    const k = v.indexOf('=');
    if (k <= 0) die(`--env ${v}: expected K=V`);
    env[v.slice(0, k)] = v.slice(k + 1);
  } else {
    const sep = v.indexOf('::');
    const host = sep >= 0 ? v.slice(0, sep) : v;
    const guest = sep >= 0 ? v.slice(sep + 2) : v;
    let st;
    try { st = statSync(host); } catch (e) { die(`--dir ${host}: ${e.code || e.message}`); }
    if (!st.isDirectory()) die(`--dir ${host}: not a directory`);
    preopens[guest] = host;
  }
}
if (i >= argv.length) die(`no module given\n${USAGE}`);
const modulePath = argv[i];
const args = argv.slice(i);

let bytes;
try { bytes = readFileSync(modulePath); } catch (e) { die(`cannot read ${modulePath}: ${e.code || e.message}`); }
let module;
try { module = await WebAssembly.compile(bytes); } catch (e) { die(`${modulePath}: invalid module: ${e.message}`); }

// The limits of every memory import, from the binary's import section
// (section id 2). The JS API does not reflect import types.
function memoryImports(buf) {
  let p = 8;
  const u32 = () => {
    let result = 0, shift = 0, b;
    do {
      b = buf[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => { const n = u32(); const s = buf.toString('utf8', p, p + n); p += n; return s; };
  const limits = () => {
    const flags = buf[p++];
    const min = u32();
    const max = flags & 1 ? u32() : undefined;
    return { flags, min, max };
  };
  const found = [];
  while (p < buf.length) {
    const id = buf[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) {
      const count = u32();
      for (let k = 0; k < count; k++) {
        const mod = name();
        const field = name();
        const kind = buf[p++];
        if (kind === 0) u32();
        else if (kind === 1) { p++; limits(); }
        else if (kind === 2) {
          const l = limits();
          if (l.flags & 4) die(`${modulePath}: 64-bit memory import ${mod}.${field} is not supported`);
          found.push({ mod, field, initial: l.min, maximum: l.max, shared: !!(l.flags & 2) });
        } else if (kind === 3) p += 2;
        else if (kind === 4) { p++; u32(); }
        else die(`${modulePath}: unknown import kind ${kind}`);
      }
      return found;
    }
    p = end;
  }
  return found;
}

const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning?.message;
  if (/\bWASI\b/.test(String(text))) return;
  return emitWarning.call(this, warning, ...rest);
};
const { WASI } = await import('node:wasi');
const wasi = new WASI({ version: 'preview1', args, env, preopens, returnOnExit: true });
const imports = wasi.getImportObject();
// Our own proc_exit: node's (with returnOnExit) throws a private Symbol,
// which start() turns into a code but which would escape as a bare Symbol
// from a start function running inside WebAssembly.instantiate.
class ProcExit extends Error {
  constructor(code) { super(`proc_exit(${code})`); this.code = code; }
}
imports.wasi_snapshot_preview1 = {
  ...imports.wasi_snapshot_preview1,
  proc_exit: (code) => { throw new ProcExit(code); },
};
const describe = (e) => (e instanceof Error ? e.message : String(e?.toString?.() ?? e));
let imported = null;
for (const m of memoryImports(bytes)) {
  const desc = { initial: m.initial };
  if (m.maximum !== undefined) desc.maximum = m.maximum;
  if (m.shared) desc.shared = true;
  let mem;
  try { mem = new WebAssembly.Memory(desc); } catch (e) { die(`cannot create memory ${m.mod}.${m.field}: ${e.message}`); }
  (imports[m.mod] ??= {})[m.field] = mem;
  imported ??= mem;
}

let instance;
try {
  instance = await WebAssembly.instantiate(module, imports);
} catch (e) {
  if (e instanceof ProcExit) die(`${modulePath} called proc_exit(${e.code}) during instantiation`, e.code);
  if (e instanceof WebAssembly.RuntimeError) die(`${modulePath} trapped during instantiation: ${e.message}`, 134);
  die(`cannot instantiate ${modulePath}: ${describe(e)}`);
}
const ex = instance.exports;
if (typeof ex._start !== 'function') die(`${modulePath} exports no _start function`);
const memory = ex.memory instanceof WebAssembly.Memory ? ex.memory : imported;
if (!memory) die(`${modulePath} neither exports nor imports a memory`);
// node's WASI takes the memory from instance.exports: give it one that has it.
const target = ex.memory === memory ? instance : { exports: { _start: ex._start, memory } };
try {
  process.exitCode = wasi.start(target) ?? 0;
} catch (e) {
  if (e instanceof ProcExit) process.exitCode = e.code;
  else if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) die(`${modulePath} trapped: ${e.message}`, 134);
  else throw e;
}
