// files.ts (AssemblyScript 0.28 + @assemblyscript/wasi-shim, from npm):
// tests/e2e/test_wasi_corpus.sh packs it with a tree and compares its
// output with the unpacked module's on a host directory.
// Reads a file and lists a directory, sorted, with each entry's kind and
// size, through WASI calls declared here (the shim covers console and
// process only); finds the preopen for a path as wasi-libc's open() does.
// AssemblyScript 0.28 merges two declarations of one WASI function into
// one import (dup_import.c keeps that shape covered).

@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function wasi_prestat_get(fd: u32, buf: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_dir_name")
declare function wasi_prestat_dir_name(fd: u32, path: usize, len: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
declare function wasi_path_open(dirfd: u32, dirflags: u32, path: usize, len: usize, oflags: u16,
                                base: u64, inheriting: u64, fdflags: u16, fd: usize): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function wasi_fd_read(fd: u32, iovs: usize, n: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_readdir")
declare function wasi_fd_readdir(fd: u32, buf: usize, len: usize, cookie: u64, used: usize): u16;
@external("wasi_snapshot_preview1", "path_filestat_get")
declare function wasi_path_filestat_get(fd: u32, flags: u32, path: usize, len: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "fd_close")
declare function wasi_fd_close(fd: u32): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function wasi_proc_exit(code: u32): void;

const scratch = new ArrayBuffer(64);
const at = changetype<usize>(scratch);

function fail(what: string, code: u32): void {
  console.error("as: " + what);
  wasi_proc_exit(code);
}

// The preopen whose name is the longest prefix of `path`, and the rest:
// what wasi-libc's open() does.
class Resolved {
  constructor(public fd: u32, public rel: string) {}
}
function resolve(path: string): Resolved {
  let best: u32 = 0xffffffff;
  let bestLen = -1;
  for (let fd: u32 = 3; wasi_prestat_get(fd, at) == 0; fd++) {
    const len = <usize>load<u32>(at, 4);
    const name = new ArrayBuffer(<i32>len);
    if (wasi_prestat_dir_name(fd, changetype<usize>(name), len) != 0) continue;
    let dir = String.UTF8.decode(name);
    while (dir.length > 1 && dir.endsWith("/")) dir = dir.slice(0, dir.length - 1);
    const fits = dir == "/" ? path.startsWith("/") : path == dir || path.startsWith(dir + "/");
    if (fits && dir.length > bestLen) {
      best = fd;
      bestLen = dir.length;
    }
  }
  if (bestLen < 0) fail(path + ": no preopen holds it", 5);
  let rel = path.slice(bestLen);
  while (rel.startsWith("/")) rel = rel.slice(1);
  return new Resolved(best, rel.length == 0 ? "." : rel);
}

function open(path: string, directory: bool): u32 {
  const r = resolve(path);
  const name = String.UTF8.encode(r.rel);
  // rights: fd_read (1<<1), fd_readdir (1<<14), path_filestat_get (1<<18)
  const rights: u64 = (1 << 1) | (1 << 14) | (1 << 18);
  const err = wasi_path_open(r.fd, 1, changetype<usize>(name), <usize>name.byteLength,
                             directory ? 2 : 0, rights, rights, 0, at);
  if (err != 0) fail(path + ": path_open errno " + err.toString(), 3);
  return load<u32>(at);
}

function readAll(path: string): string {
  const fd = open(path, false);
  const chunk = new ArrayBuffer(4096);
  let bytes = new Array<u8>();
  for (;;) {
    store<u32>(at + 16, <u32>changetype<usize>(chunk));
    store<u32>(at + 20, 4096);
    if (wasi_fd_read(fd, at + 16, 1, at + 24) != 0) fail(path + ": fd_read failed", 3);
    const n = <i32>load<u32>(at + 24);
    if (n == 0) break;
    for (let i = 0; i < n; i++) bytes.push(load<u8>(changetype<usize>(chunk) + <usize>i));
  }
  wasi_fd_close(fd);
  const buf = new ArrayBuffer(bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(changetype<usize>(buf) + <usize>i, bytes[i]);
  return String.UTF8.decode(buf);
}

function listDir(path: string): string[] {
  const fd = open(path, true);
  const buf = new ArrayBuffer(65536);
  const base = changetype<usize>(buf);
  const lines = new Array<string>();
  let cookie: u64 = 0;
  for (;;) {
    if (wasi_fd_readdir(fd, base, 65536, cookie, at) != 0) fail(path + ": fd_readdir failed", 4);
    const used = <usize>load<u32>(at);
    let off: usize = 0;
    let any = false;
    // dirent: d_next u64, d_ino u64, d_namlen u32, d_type u8, then the name
    while (off + 24 <= used) {
      const namlen = <usize>load<u32>(base + off, 16);
      if (off + 24 + namlen > used) break;
      cookie = load<u64>(base + off);
      const name = String.UTF8.decodeUnsafe(base + off + 24, namlen);
      off += 24 + namlen;
      any = true;
      if (name == "." || name == "..") continue;
      const enc = String.UTF8.encode(name);
      if (wasi_path_filestat_get(fd, 1, changetype<usize>(enc), <usize>enc.byteLength, base + 65536 - 64) != 0) {
        fail(path + "/" + name + ": filestat failed", 4);
      }
      // filestat: dev u64, ino u64, filetype u8 (at 16), nlink u64, size u64 (at 32)
      const kind = load<u8>(base + 65536 - 64, 16) == 3 ? "dir" : "file";
      const size = kind == "dir" ? <u64>0 : load<u64>(base + 65536 - 64, 32);
      lines.push(name + " " + kind + " " + size.toString());
    }
    if (!any || used < 65536) break;
  }
  wasi_fd_close(fd);
  lines.sort();
  return lines;
}

const args = process.argv;
if (args.length < 3) fail("usage: files FILE DIR", 2);
const text = readAll(args[1]);
console.log("as: " + args[1] + ": " + String.UTF8.byteLength(text).toString() + " bytes: " + text.trimEnd());
const entries = listDir(args[2]);
for (let i = 0; i < entries.length; i++) console.log("as: " + entries[i]);
