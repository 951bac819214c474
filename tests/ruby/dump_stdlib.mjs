#!/usr/bin/env node
// dump_stdlib.mjs [RUBY_STDLIB_WASM]: the test oracle of `wimg import`
// (tests/ruby/test_import.sh), independent of wimg: writes the Ruby standard library that
// npm's ruby+stdlib.wasm carries in its wasi-vfs image (/usr/local/lib/ruby)
// to stdout as a tar archive, made by Ruby itself (Gem::Package::TarWriter)
// running inside that very module under node's WASI.
//
// Members are named "usr/local/lib/ruby/...", directories first in sorted
// order. The LAST member is "wimg-stdlib-manifest.txt": one line per regular
// file ("<sha256> <size> <path>") and a final line
// "WIMG-STDLIB-END files=<n> bytes=<total>". A reader must treat an archive
// without that final line as truncated (test_import.sh checks every file
// against it). On success we also print
// "dump_stdlib: complete files=<n> bytes=<total>" on stderr and exit 0.
//
// Needs node >= 24 (node 20 may crash in V8's GC during WASI memory growth).
// Default module: tools/ruby/node_modules/@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm.

import { readFileSync, fstatSync } from 'node:fs';
import { rubyModules as rubyPkgRoot, rubyDist } from '../../scripts/lib/paths.mjs';
import { loadWasi } from '../../scripts/lib/node_wasi.mjs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`dump_stdlib: needs node >= 24 (this is ${process.version})\n`);
  process.exit(2);
}
const rubyPkg = `${rubyPkgRoot}/@ruby`;
const wasmPath = process.argv[2] || `${rubyDist}/ruby+stdlib.wasm`;
if (fstatSync(1).isCharacterDevice()) {
  process.stderr.write('dump_stdlib: refusing to write a tar to a terminal; redirect stdout\n');
  process.exit(2);
}

const WASI = await loadWasi();  // node:wasi without its experimental warning
const { RubyVM } = await import(`${rubyPkg}/wasm-wasi/dist/esm/index.js`);

const RUBY = String.raw`
require "rubygems/package"
require "digest"
root = "/usr/local/lib/ruby"
names = Dir.glob("**/*", File::FNM_DOTMATCH, base: root)
           .reject { |n| n == "." || n == ".." || n.end_with?("/.") || n.end_with?("/..") }
           .sort
dirs = names.select { |n| File.directory?(File.join(root, n)) }
files = names - dirs
odd = files.reject { |n| File.file?(File.join(root, n)) && !File.symlink?(File.join(root, n)) }
raise "unexpected non-regular entries: #{odd.first(5).inspect}" unless odd.empty?
out = $stdout
out.binmode
total = 0
manifest = +""
Gem::Package::TarWriter.new(out) do |tar|
  ["usr", "usr/local", "usr/local/lib", "usr/local/lib/ruby"].each { |d| tar.mkdir(d, 0o755) }
  dirs.each { |d| tar.mkdir("usr/local/lib/ruby/#{d}", 0o755) }
  files.each do |f|
    data = File.binread(File.join(root, f))
    # wasi-vfs reports every file as executable: use one fixed mode.
    tar.add_file_simple("usr/local/lib/ruby/#{f}", 0o644, data.bytesize) { |io| io.write(data) }
    total += data.bytesize
    manifest << "#{Digest::SHA256.hexdigest(data)} #{data.bytesize} usr/local/lib/ruby/#{f}\n"
  end
  manifest << "WIMG-STDLIB-END files=#{files.size} bytes=#{total}\n"
  tar.add_file_simple("wimg-stdlib-manifest.txt", 0o644, manifest.bytesize) { |io| io.write(manifest) }
end
out.flush
$stderr.puts "dump_stdlib: complete files=#{files.size} bytes=#{total}"
$stderr.flush
`;

let module;
try {
  module = await WebAssembly.compile(readFileSync(wasmPath));
} catch (e) {
  process.stderr.write(`dump_stdlib: cannot load ${wasmPath}: ${e.message}\n`);
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: ['ruby'], env: {}, preopens: {}, returnOnExit: true });
const { vm } = await RubyVM.instantiateModule({ module, wasip1: wasi });
try {
  vm.eval(RUBY);
} catch (e) {
  process.stderr.write(`dump_stdlib: Ruby failed: ${e.message}\n`);
  process.exit(1);
}
process.exitCode = 0;
