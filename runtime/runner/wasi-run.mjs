#!/usr/bin/env node
// wasi-run.mjs: run a WASI preview1 command module under node's built-in WASI
// (node 24 or later; node 20 crashes when a WASI guest grows its memory).
//
//   node wasi-run.mjs [--dir HOST[::GUEST]]... [--env K=V]... [--clock SECONDS]
//                     [--seed TEXT] [--] module.wasm [args...]
//
// Each --dir preopens the host directory HOST under the guest path GUEST
// (default: HOST). --clock and --seed make a run repeatable (`wimg build`'s
// RUN steps): every clock reads SECONDS since the epoch (realtime; the
// others from 0) plus one microsecond per read, and random_get returns the
// stream SHA-256(TEXT, counter) instead of the host's randomness. The guest sees exactly the --env variables (none of the
// host's) and argv = [module.wasm as given, args...]. We exit with the
// guest's exit code; usage and load errors exit 2 with a message on stderr,
// and a trap (unreachable, abort(), out-of-bounds access) exits 134 like
// wasmtime does. A module whose memory is IMPORTED (`wasm-ld
// --import-memory`) gets a new memory with the limits its import section
// declares; proc_exit from a start function exits with its code. (node's
// WASI alone handles neither.) Dependency-free on purpose: wimg ships this
// one file.

import { readFileSync, statSync } from 'node:fs';

// Refuse old nodes up front instead of crashing mid-run.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`wasi-run: needs node >= 24 (this is ${process.version}; node 20 crashes when a WASI guest grows its memory)\n`);
  process.exit(2);
}

const USAGE = 'usage: node wasi-run.mjs [--dir HOST[::GUEST]]... [--env K=V]... [--clock SECONDS] [--seed TEXT] [--] module.wasm [args...]';

function die(msg, code = 2) {
  process.stderr.write(`wasi-run: ${msg}\n`);
  process.exit(code);
}

// Options come first; the first non-option (or whatever follows "--") is the
// module, and everything after it belongs to the guest, even if it looks
// like an option.
function parseArgs(argv) {
  const preopens = {};
  const env = {};
  let clock = null;
  let seed = null;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); process.exit(0); }
    if (!a.startsWith('-') || a === '-') break;
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (!['--dir', '--env', '--clock', '--seed'].includes(name)) die(`unknown option ${name}\n${USAGE}`);
    let value;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else die(`${name} needs a value\n${USAGE}`);
    if (name === '--clock') {
      if (!/^[0-9]{1,12}$/.test(value)) die(`--clock ${value}: expected whole seconds since the epoch`);
      clock = BigInt(value) * 1000000000n;
    } else if (name === '--seed') {
      seed = value;
    } else if (name === '--env') {
      const k = value.indexOf('=');
      if (k <= 0) die(`--env ${value}: expected K=V`);
      env[value.slice(0, k)] = value.slice(k + 1);
    } else {
      const sep = value.indexOf('::');
      const host = sep >= 0 ? value.slice(0, sep) : value;
      const guest = sep >= 0 ? value.slice(sep + 2) : value;
      if (!host || !guest) die(`--dir ${value}: expected HOST or HOST::GUEST`);
      // uvwasi would fail later with a bare errno; say which directory is wrong.
      let st;
      try { st = statSync(host); } catch (e) { die(`--dir ${host}: ${e.code || e.message}`); }
      if (!st.isDirectory()) die(`--dir ${host}: not a directory`);
      if (guest in preopens) die(`--dir: guest path ${guest} given twice`);
      preopens[guest] = host;
    }
  }
  if (i >= argv.length) die(`no module given\n${USAGE}`);
  return { preopens, env, clock, seed, module: argv[i], args: argv.slice(i) };
}

// The limits of every memory import, from the binary's import section
// (section 2): the JS API does not reflect import types. Runs after
// WebAssembly.compile accepted the bytes, so the encoding is valid.
function memoryImportsOf(buf, shown) {
  let p = 8;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    let b;
    do {
      b = buf[p++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => {
    const n = u32();
    const s = buf.toString('utf8', p, p + n);
    p += n;
    return s;
  };
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
    if (id !== 2) {
      p += size;
      continue;
    }
    const count = u32();
    for (let k = 0; k < count; k++) {
      const mod = name();
      const field = name();
      const kind = buf[p++];
      if (kind === 0) u32();
      else if (kind === 1) {
        p++;
        limits();
      } else if (kind === 2) {
        const l = limits();
        if (l.flags & 4) die(`${shown}: 64-bit memory import ${mod}.${field} is not supported`);
        found.push({ mod, field, initial: l.min, maximum: l.max, shared: !!(l.flags & 2) });
      } else if (kind === 3) p += 2;
      else if (kind === 4) {
        p++;
        u32();
      } else die(`${shown}: unknown import kind ${kind}`);
    }
    break;
  }
  return found;
}

const opts = parseArgs(process.argv.slice(2));

let bytes;
try {
  bytes = readFileSync(opts.module);
} catch (e) {
  die(`cannot read module ${opts.module}: ${e.code || e.message}`);
}
let module;
try {
  module = await WebAssembly.compile(bytes);
} catch (e) {
  die(`${opts.module} is not a valid WebAssembly module: ${e.message}`);
}
// A command exports _start (and memory); a reactor exports _initialize and
// is meant to be called into, not run.
const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
if (exports.get('_start') !== 'function') {
  const what = exports.has('_initialize') ? 'a WASI reactor (_initialize)' : 'not a WASI command';
  die(`${opts.module} is ${what}: it exports no _start function`);
}
const memoryImports = memoryImportsOf(bytes, opts.module);
if (exports.get('memory') !== 'memory' && memoryImports.length === 0) die(`${opts.module} exports no memory`);

// node prints an ExperimentalWarning when node:wasi is loaded; it would end
// up in the guest's stderr transcript, so drop that one warning (and only
// it). The import is dynamic so that the filter is in place before it runs.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning?.message;
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && /\bWASI\b/.test(String(text))) return;
  return emitWarning.call(this, warning, ...rest);
};
const { WASI } = await import('node:wasi');

const wasi = new WASI({
  version: 'preview1',
  args: opts.args,
  env: opts.env,
  preopens: opts.preopens,
  returnOnExit: true, // proc_exit returns from start() instead of killing node
});
const imports = wasi.getImportObject();
// Our own proc_exit: node's (with returnOnExit) throws a private Symbol that
// start() turns into a code, but that escapes as a bare Symbol from a start
// function running inside WebAssembly.instantiate.
class ProcExit extends Error {
  constructor(code) {
    super(`proc_exit(${code})`);
    this.code = code;
  }
}
imports.wasi_snapshot_preview1 = {
  ...imports.wasi_snapshot_preview1,
  proc_exit: (code) => {
    throw new ProcExit(code);
  },
};
// The guest's memory (the fixed clock and random write to it): an imported
// one from the start, an exported one once instantiated.
let guestMemory = null;
const memoryBuffer = () => (guestMemory ?? imported).buffer;
const view = () => new DataView(memoryBuffer());
if (opts.clock !== null) {
  let ticks = 0n;
  imports.wasi_snapshot_preview1.clock_time_get = (id, _precision, out) => {
    if (id > 3) return 28; // EINVAL
    ticks += 1000n;
    view().setBigUint64(out, (id === 0 ? opts.clock : 0n) + ticks, true);
    return 0;
  };
}
if (opts.seed !== null) {
  const { createHash } = await import('node:crypto');
  let counter = 0n;
  let pool = Buffer.alloc(0);
  imports.wasi_snapshot_preview1.random_get = (ptr, len) => {
    while (pool.length < len) {
      const block = createHash('sha256').update(opts.seed).update('\0').update(String(counter++)).digest();
      pool = Buffer.concat([pool, block]);
    }
    new Uint8Array(memoryBuffer(), ptr, len).set(pool.subarray(0, len));
    pool = pool.subarray(len);
    return 0;
  };
}
let imported = null;
for (const m of memoryImports) {
  const desc = { initial: m.initial };
  if (m.maximum !== undefined) desc.maximum = m.maximum;
  if (m.shared) desc.shared = true;
  let mem;
  try {
    mem = new WebAssembly.Memory(desc);
  } catch (e) {
    die(`cannot create memory ${m.mod}.${m.field}: ${e.message}`);
  }
  (imports[m.mod] ??= {})[m.field] = mem;
  imported ??= mem;
}
let instance;
try {
  instance = await WebAssembly.instantiate(module, imports);
} catch (e) {
  if (e instanceof ProcExit) die(`${opts.module} called proc_exit(${e.code}) during instantiation`, e.code);
  if (e instanceof WebAssembly.RuntimeError) die(`${opts.module} trapped during instantiation: ${e.message}`, 134);
  die(`cannot instantiate ${opts.module}: ${e instanceof Error ? e.message : String(e)}`);
}
// node's WASI takes the memory from instance.exports: give it one that has it.
const ex = instance.exports;
const target = ex.memory instanceof WebAssembly.Memory ? instance : { exports: { _start: ex._start, memory: imported } };
guestMemory = target.exports.memory;
try {
  // start() returns 0 when _start simply returns; proc_exit throws ProcExit.
  // exitCode (not exit()) lets node flush anything still queued on stderr.
  process.exitCode = wasi.start(target) ?? 0;
} catch (e) {
  if (e instanceof ProcExit) {
    process.exitCode = e.code;
  } else if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    // A trap, or the guest's own recursion blowing node's stack.
    die(`${opts.module} trapped: ${e.message}`, 134);
  } else {
    throw e;
  }
}
