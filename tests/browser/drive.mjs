#!/usr/bin/env node
// drive.mjs OUTDIR NAME=URL...: opens each URL, one after the other, in one
// headless Debian chromium (/usr/bin/chromium, driven by playwright-core from
// tools/browser) and waits until the page's #app element has a final
// data-status (neither "loading" nor "running"; see
// examples/ruby/browser/main.js). For each page it writes into OUTDIR:
//   NAME.status   the final data-status
//   NAME.stdout   #stdout's text, NAME.stderr #stderr's text
//   NAME.timings  the data-*-ms attributes, "key ms" lines
//   NAME.compile  data-compile (how the module was compiled)
//   NAME.log      the page's console messages and uncaught errors
// Exit code: 0 when every page reached a final status (whatever it is: the
// caller checks it), 1 when a page did not (timeout, crash, navigation
// failure) or the browser could not start, 2 for usage errors.
//
// Paths: scripts/lib/paths.mjs. Env: WIMG_CHROMIUM (default /usr/bin/chromium),
// WIMG_BROWSER_TIMEOUT_MS (per page, default 300000: compiling the 31 MB
// module takes seconds, more on a loaded machine). The sandbox is off when
// running as root (chromium refuses to start otherwise) or when
// WIMG_CHROMIUM_NO_SANDBOX=1.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { browserModules } from '../../scripts/lib/paths.mjs';

function die(msg, code = 2) {
  process.stderr.write(`drive.mjs: ${msg}\n`);
  process.exit(code);
}
const [outDir, ...specs] = process.argv.slice(2);
if (!outDir || specs.length === 0) die('usage: node drive.mjs OUTDIR NAME=URL...');
const pages = specs.map((s) => {
  const eq = s.indexOf('=');
  if (eq <= 0) die(`${s}: expected NAME=URL`);
  return { name: s.slice(0, eq), url: s.slice(eq + 1) };
});

const pw = resolve(browserModules, 'playwright-core/index.mjs');
let chromium;
try {
  ({ chromium } = await import(pw));
} catch (e) {
  die(`cannot load playwright-core from ${pw} (run scripts/setup): ${e.message}`);
}
const executablePath = process.env.WIMG_CHROMIUM || '/usr/bin/chromium';
const timeout = Number(process.env.WIMG_BROWSER_TIMEOUT_MS || 300000);
const sandbox = process.getuid() !== 0 && process.env.WIMG_CHROMIUM_NO_SANDBOX !== '1';

let browser;
try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: sandbox,
    timeout: 120000,
  });
} catch (e) {
  die(`cannot start ${executablePath}: ${e.message}`, 1);
}

let ok = true;
try {
  for (const { name, url } of pages) {
    const t0 = Date.now();
    const log = join(outDir, `${name}.log`);
    writeFileSync(log, '');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => appendFileSync(log, `console.${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => appendFileSync(log, `pageerror: ${e.stack || e.message}\n`));
    page.on('requestfailed', (r) => appendFileSync(log, `requestfailed: ${r.url()}: ${r.failure()?.errorText}\n`));
    const crashed = new Promise((_, reject) => page.on('crash', () => reject(new Error('the page crashed'))));
    crashed.catch(() => {});
    try {
      const response = await Promise.race([crashed, page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 })]);
      if (!response || !response.ok()) throw new Error(`HTTP ${response ? response.status() : 'no response'}`);
      if (!(await page.$('#app[data-status]'))) throw new Error('the page has no #app[data-status]');
      await Promise.race([crashed, page.waitForFunction(() => {
        const s = document.getElementById('app')?.dataset.status;
        return s !== undefined && s !== 'loading' && s !== 'running';
      }, null, { timeout, polling: 100 })]);
      const r = await page.evaluate(() => {
        const app = document.getElementById('app');
        return {
          status: app.dataset.status,
          compile: app.dataset.compile || '',
          stdout: document.getElementById('stdout').textContent,
          stderr: document.getElementById('stderr').textContent,
          timings: Object.entries(app.dataset).filter(([k]) => k.endsWith('Ms'))
            .map(([k, v]) => `${k.slice(0, -2)} ${v}`),
        };
      });
      writeFileSync(join(outDir, `${name}.status`), r.status + '\n');
      writeFileSync(join(outDir, `${name}.stdout`), r.stdout);
      writeFileSync(join(outDir, `${name}.stderr`), r.stderr);
      writeFileSync(join(outDir, `${name}.compile`), r.compile + '\n');
      writeFileSync(join(outDir, `${name}.timings`), r.timings.map((t) => t + '\n').join(''));
      process.stdout.write(`drive.mjs: ${name}: ${r.status} after ${Date.now() - t0} ms (${r.timings.join(', ')})\n`);
    } catch (e) {
      ok = false;
      const status = await page.evaluate(() => document.getElementById('app')?.dataset.status).catch(() => '?');
      process.stderr.write(`drive.mjs: ${name}: ${url}: ${e.message.split('\n')[0]} (data-status: ${status})\n`);
    } finally {
      await context.close().catch(() => {});
    }
  }
} finally {
  await browser.close();
}
process.exitCode = ok ? 0 : 1;
