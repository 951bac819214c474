// Runs a wimg-built CRuby reactor module (a .wasm that embeds the standard
// library and the app) with @ruby/wasm-wasi's RubyVM over
// @bjorn3/browser_wasi_shim, and shows what the app prints.
//
// Query parameters: wasm (the module's URL, default app.wasm) and main (the
// program's path INSIDE the image, default /app/main.rb).
//
// The shim gets no files: fd 0 is an empty stdin, fds 1 and 2 capture
// stdout and stderr, and there are no preopens. Everything Ruby reads (its
// standard library, the app's code, data and templates) comes from the
// module's own embedded image.
//
// #app's data-status goes loading -> running -> "done" (the program ended
// with exit status 0) or "error: ..." (anything else: fetch, compile or
// instantiate failure, an exception, a non-zero exit); its data-*-ms
// attributes time the steps and data-compile tells whether the module was
// compiled while streaming (the server sent Content-Type application/wasm).
import { RubyVM } from '@ruby/wasm-wasi';
import { ConsoleStdout, File, OpenFile, WASI, WASIProcExit } from '@bjorn3/browser_wasi_shim';

const params = new URLSearchParams(location.search);
const wasmUrl = params.get('wasm') || 'app.wasm';
const mainPath = params.get('main') || '/app/main.rb';

const app = document.getElementById('app');
const timings = document.getElementById('timings');
document.getElementById('wasm').textContent = wasmUrl;
document.getElementById('main').textContent = mainPath;

function setStatus(status) {
  app.dataset.status = status;
  app.textContent = status;
}

// An output stream into a <pre>: exact bytes, UTF-8 decoded incrementally.
function capture(id, log) {
  const el = document.getElementById(id);
  const decoder = new TextDecoder('utf-8');
  let text = '';
  const fd = new ConsoleStdout((bytes) => {
    const chunk = decoder.decode(bytes, { stream: true });
    text += chunk;
    el.textContent = text;
    log(chunk);
  });
  fd.finish = () => { text += decoder.decode(); el.textContent = text; };
  return fd;
}

const steps = {};
async function step(name, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    steps[name] = Math.round(performance.now() - t0);
    app.dataset[`${name}Ms`] = String(steps[name]);
    timings.textContent = '(' + Object.entries(steps).map(([k, v]) => `${k} ${v} ms`).join(', ') + ')';
  }
}

// Compiles while downloading when the server says application/wasm.
async function compile(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
  const type = response.headers.get('Content-Type') || '';
  if (type.split(';')[0].trim() === 'application/wasm') {
    app.dataset.compile = 'streaming';
    return WebAssembly.compileStreaming(response);
  }
  app.dataset.compile = `buffered (Content-Type: ${type || 'none'})`;
  return WebAssembly.compile(await response.arrayBuffer());
}

// A Ruby string literal for any text: bytes outside printable ASCII (and
// \, ", #) escaped.
function rubyString(s) {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x23) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out + '".force_encoding("UTF-8")';
}

function describe(e) {
  if (e instanceof WASIProcExit) return `proc_exit(${e.code})`;
  if (e instanceof Error) return e.message || String(e);
  return String(e);
}

async function main() {
  const stdout = capture('stdout', (s) => console.log('[ruby stdout] ' + s));
  const stderr = capture('stderr', (s) => console.warn('[ruby stderr] ' + s));
  const module = await step('compile', () => compile(wasmUrl));
  const wasi = new WASI([], [], [new OpenFile(new File([])), stdout, stderr], { debug: false });
  const { vm } = await step('instantiate', () => RubyVM.instantiateModule({ module, wasip1: wasi }));
  setStatus('running');
  // The program runs inside a method that turns `exit N` and exceptions
  // into a status, so nothing escapes into JavaScript and the streams are
  // always flushed. $0 is the program, as with `ruby /app/main.rb`.
  const status = await step('run', () => Number(vm.eval(`
    begin
      __wimg_status = 0
      begin
        $0 = ${rubyString(mainPath)}
        load $0
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
  `).toString()));
  stdout.finish();
  stderr.finish();
  setStatus(status === 0 ? 'done' : `error: exit status ${status}`);
}

main().catch((e) => {
  console.error(e);
  setStatus(`error: ${describe(e)}`);
});
