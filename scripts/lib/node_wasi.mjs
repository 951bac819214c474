// scripts/lib/node_wasi.mjs: node:wasi for the repo's scripts, without the
// "WASI is an experimental feature" warning node prints on stderr when the
// module loads (a guest's stderr must stay the guest's alone). Only that one
// warning is dropped. The import is dynamic so that the filter is in place
// before node:wasi loads. (runtime/runner/wasi-run.mjs, embedded in wimg and
// run without the repo, keeps its own copy of this filter.)
export async function loadWasi() {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (/\bWASI\b/.test(String(text))) return;
    return emitWarning.call(this, warning, ...rest);
  };
  return (await import('node:wasi')).WASI;
}
