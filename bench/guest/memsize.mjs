// bench/upper.sh: runs a WASI command under node 24 (no preopens, the given
// env) and prints its memory's size in bytes after _start returned: the
// guest's pages plus the runtime's region (and the upper layer's heap).
// Usage: node memsize.mjs MODULE.wasm [K=V...]
import { readFile } from 'node:fs/promises';
import { loadWasi } from '../../scripts/lib/node_wasi.mjs';

const [file, ...vars] = process.argv.slice(2);
const env = Object.fromEntries(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
const WASI = await loadWasi();
const wasi = new WASI({ version: 'preview1', args: [file], env, returnOnExit: true });
const { instance } = await WebAssembly.instantiate(await readFile(file), wasi.getImportObject());
wasi.start(instance);
console.log(instance.exports.memory.buffer.byteLength);
