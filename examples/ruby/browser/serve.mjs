#!/usr/bin/env node
// serve.mjs [--port N] APP.wasm: serves the browser page on 127.0.0.1 and
// prints its URL (http://127.0.0.1:PORT/) as the first line on stdout once
// it listens. PORT is ephemeral unless --port is given.
//
//   /                    index.html          /main.js   main.js
//   /app.wasm            APP.wasm (Content-Type application/wasm)
//   /node_modules/@ruby/wasm-wasi/dist/...       from tools/ruby/node_modules
//   /node_modules/@bjorn3/browser_wasi_shim/dist/...
//
// Nothing else is served (404), only GET and HEAD. scripts/lib/paths.mjs locates tools/ruby.
// Stops on SIGINT/SIGTERM.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rubyModules } from '../../../scripts/lib/paths.mjs';

const USAGE = 'usage: node serve.mjs [--port N] APP.wasm';
function die(msg) {
  process.stderr.write(`serve.mjs: ${msg}\n`);
  process.exit(2);
}

let port = 0;
const positional = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--port') {
    port = Number(argv[++i]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) die(`--port: bad port\n${USAGE}`);
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  } else if (a.startsWith('-')) {
    die(`unknown option ${a}\n${USAGE}`);
  } else {
    positional.push(a);
  }
}
if (positional.length !== 1) die(USAGE);
const wasmPath = resolve(positional[0]);
try {
  if (!statSync(wasmPath).isFile()) die(`${wasmPath}: not a file`);
} catch (e) {
  die(`${wasmPath}: ${e.code || e.message}`);
}

const here = dirname(fileURLToPath(import.meta.url));
const modules = rubyModules;
const files = new Map([
  ['/', resolve(here, 'index.html')],
  ['/index.html', resolve(here, 'index.html')],
  ['/main.js', resolve(here, 'main.js')],
  ['/app.wasm', wasmPath],
]);
// URL prefix -> directory whose files (and subdirectories) are served.
const trees = [
  ['/node_modules/@ruby/wasm-wasi/dist/', resolve(modules, '@ruby/wasm-wasi/dist')],
  ['/node_modules/@bjorn3/browser_wasi_shim/dist/', resolve(modules, '@bjorn3/browser_wasi_shim/dist')],
];
for (const [, dir] of trees) {
  try { statSync(dir); } catch { die(`no ${dir} (run scripts/setup)`); }
}
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

function lookup(pathname) {
  if (files.has(pathname)) return files.get(pathname);
  for (const [prefix, dir] of trees) {
    if (!pathname.startsWith(prefix)) continue;
    const file = resolve(dir, '.' + pathname.slice(prefix.length - 1));
    return file.startsWith(dir + sep) ? file : null;
  }
  return null;
}

const server = createServer((req, res) => {
  const send = (code, text) => {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : text + '\n');
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(400, 'bad request');
  }
  const file = lookup(pathname);
  let st;
  try { st = file && statSync(file); } catch { st = null; }
  if (!st || !st.isFile()) return send(404, 'not found');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
    'Content-Length': st.size,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
});
server.on('error', (e) => die(e.message));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
