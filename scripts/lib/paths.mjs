// scripts/lib/paths.mjs: the JavaScript twin of paths.sh, the one place that
// says where the source tree, tools/ and the npm packages are. Every .mjs of
// the repo imports it by a relative path (a wrong one fails at import time,
// naming this file, instead of pointing at a wrong directory later).
// tests/e2e/test_paths.sh checks that both files agree.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const tools = resolve(repo, 'tools');
export const toolsNode = resolve(tools, 'node/node_modules/node/bin/node');
export const node = process.env.WIMG_NODE || toolsNode;
export const rubyModules = resolve(tools, 'ruby/node_modules');
export const rubyDist = resolve(rubyModules, '@ruby/3.4-wasm-wasi/dist');
export const browserModules = resolve(tools, 'browser/node_modules');
export const rackLib = resolve(tools, 'rack/lib');
export const toolsWizer = resolve(tools, 'wizer/node_modules/@bytecodealliance/wizer-linux-x64/wizer');
export const wizer = process.env.WIMG_WIZER || toolsWizer;

// `node scripts/lib/paths.mjs` prints them as NAME=value lines, in paths.sh's names.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = { WIMG_REPO: repo, WIMG_TOOLS: tools, TOOLS_NODE: toolsNode, NODE: node, RUBY_MODULES: rubyModules,
    RUBY_DIST: rubyDist, BROWSER_MODULES: browserModules, RACK_LIB: rackLib, TOOLS_WIZER: toolsWizer,
    WIMG_WIZER: wizer };
  for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k}=${v}\n`);
}
