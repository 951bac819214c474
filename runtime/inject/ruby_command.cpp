#include "runtime/inject/ruby_command.h"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "runtime/inject/imports.h"
#include "runtime/inject/ir.h"
#include "runtime/inject/vmem.h"
#include "runtime/wasm/abi.h"

namespace wimg::inject {

namespace {

constexpr const char* kPrefix = "wimg$ruby$";
constexpr std::string_view kJsModule = "rb-js-abi-host";
constexpr std::string_view kCanonicalModule = "canonical_abi";
// ruby-init's extra words after argv[0]: the ones RubyVM passes, then "--"
// so that every word of the command line reaches ARGV untouched.
constexpr std::string_view kInitWords[] = {"-EUTF-8", "-e_=0", "--"};
constexpr std::string_view kProgramName = "ruby";
// PREINIT (ruby_command.h): the global that says where a snapshot stands
// (0: none, an ordinary run; 1: taken or being taken, clock and random
// frozen; 2: this run resumed it), and what _start puts before the
// bootstrap to hand it this run's words (ruby_boot.rb).
constexpr const char* kPreinitGlobal = "wimg$ruby$preinit";
constexpr std::string_view kRunPrefix = "__wimg_run = [";

std::string fn_name(std::string_view what) { return kPrefix + std::string(what); }

// Expression helpers for guest code (plain addresses).
struct E : Ir {
  BinaryenType i64 = BinaryenTypeInt64();

  BinaryenExpressionRef set(BinaryenIndex i, BinaryenExpressionRef v) const { return BinaryenLocalSet(m, i, v); }
  BinaryenExpressionRef add(BinaryenExpressionRef a, BinaryenExpressionRef b) const {
    return BinaryenBinary(m, BinaryenAddInt32(), a, b);
  }
  BinaryenExpressionRef sub(BinaryenExpressionRef a, BinaryenExpressionRef b) const {
    return BinaryenBinary(m, BinaryenSubInt32(), a, b);
  }
  BinaryenExpressionRef mul(BinaryenExpressionRef a, std::uint32_t k) const {
    return BinaryenBinary(m, BinaryenMulInt32(), a, c(k));
  }
  BinaryenExpressionRef load(BinaryenExpressionRef ptr, std::uint32_t off = 0) const {
    return BinaryenLoad(m, 4, false, off, 0, i32, ptr);
  }
  BinaryenExpressionRef store(BinaryenExpressionRef ptr, BinaryenExpressionRef v, std::uint32_t off = 0) const {
    return BinaryenStore(m, 4, off, 0, ptr, v, i32);
  }
};

// Stores `bytes` at (local `base`) with 8-byte stores; the caller allocated
// the size rounded up to 8.
std::vector<BinaryenExpressionRef> store_bytes(const E& e, BinaryenIndex base, std::string_view bytes) {
  std::vector<BinaryenExpressionRef> out;
  for (std::size_t off = 0; off < bytes.size(); off += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + off, std::min<std::size_t>(8, bytes.size() - off));  // little-endian host
    out.push_back(BinaryenStore(e.m, 8, static_cast<std::uint32_t>(off), 1, e.get(base),
                                BinaryenConst(e.m, BinaryenLiteralInt64(static_cast<std::int64_t>(word))), e.i64));
  }
  return out;
}

std::uint32_t round8(std::size_t n) { return static_cast<std::uint32_t>((n + 7) / 8 * 8); }

struct Exports {
  std::string initialize, realloc, ruby_init, eval;
};

Result<std::string> export_target(BinaryenModuleRef m, std::string_view name, bool prefix, BinaryenType params,
                                  BinaryenType results, std::string_view shown) {
  for (BinaryenIndex i = 0; i < BinaryenGetNumExports(m); ++i) {
    BinaryenExportRef x = BinaryenGetExportByIndex(m, i);
    std::string_view n = BinaryenExportGetName(x);
    if (BinaryenExportGetKind(x) != BinaryenExternalFunction() || !(prefix ? n.starts_with(name) : n == name)) continue;
    BinaryenFunctionRef f = BinaryenGetFunction(m, BinaryenExportGetValue(x));
    if (f == nullptr || BinaryenFunctionGetParams(f) != params || BinaryenFunctionGetResults(f) != results) {
      return make_error(ErrorKind::Input, std::string(shown) + ": its export \"" + std::string(n) +
                                              "\" does not have the signature of ruby.wasm's; cannot make it a command");
    }
    return std::string(BinaryenExportGetValue(x));
  }
  return make_error(ErrorKind::Input, std::string(shown) + ": exports no " + std::string(name) +
                                          "; not a CRuby reactor (npm @ruby/*-wasm-wasi)");
}

Result<Exports> find_exports(const E& e, std::string_view shown) {
  auto t = [](std::vector<BinaryenType> v) { return BinaryenTypeCreate(v.data(), static_cast<BinaryenIndex>(v.size())); };
  Exports x;
  WIMG_ASSIGN(x.initialize, export_target(e.m, "_initialize", false, e.none, e.none, shown));
  WIMG_ASSIGN(x.realloc, export_target(e.m, "cabi_realloc", false, t({e.i32, e.i32, e.i32, e.i32}), e.i32, shown));
  WIMG_ASSIGN(x.ruby_init, export_target(e.m, kRubyInitPrefix, true, t({e.i32, e.i32}), e.none, shown));
  // (ptr, len) -> the address of its static return area (handle, state)
  WIMG_ASSIGN(x.eval, export_target(e.m, kRubyEvalPrefix, true, t({e.i32, e.i32}), e.i32, shown));
  return x;
}

// A callable WASI function X: the runtime's (after the region setup) or,
// when the runtime does not serve X, the host's import.
std::string wasi_fn(const E& e, const Injected& inj, const std::string& x, std::vector<BinaryenType> params,
                    BinaryenType result) {
  std::string name = fn_name("wasi$" + x);
  if (BinaryenGetFunction(e.m, name.c_str()) != nullptr) return name;
  BinaryenType p = BinaryenTypeCreate(params.data(), static_cast<BinaryenIndex>(params.size()));
  auto it = inj.runtime_wasi.find(x);
  if (it == inj.runtime_wasi.end()) {
    std::string host = std::string(kHostPrefix) + x;
    if (BinaryenGetFunction(e.m, host.c_str()) == nullptr) {
      BinaryenAddFunctionImport(e.m, host.c_str(), kWasiModule, x.c_str(), p, result);
    }
    return host;
  }
  e.fn(name, params, result,
       e.block({e.call(kVmemInit, {}, e.none), e.call(it->second, forward_params(e.m, p), result)}, nullptr, result));
  return name;
}

// (ptr: i32) -> i32: the length of a NUL-terminated string.
std::string add_strlen(const E& e) {
  std::string name = fn_name("strlen");
  // local 1: the scan pointer
  BinaryenExpressionRef loop = BinaryenLoop(
      e.m, "wimg$ruby$strlen_loop",
      e.block({BinaryenBreak(e.m, "wimg$ruby$strlen_done",
                             BinaryenUnary(e.m, BinaryenEqZInt32(), BinaryenLoad(e.m, 1, false, 0, 0, e.i32, e.get(1))),
                             nullptr),
               e.set(1, e.add(e.get(1), e.c(1))), BinaryenBreak(e.m, "wimg$ruby$strlen_loop", nullptr, nullptr)}));
  e.fn(name, {e.i32}, e.i32,
       e.block({e.set(1, e.get(0)), e.block({loop}, "wimg$ruby$strlen_done"), e.sub(e.get(1), e.get(0))}, nullptr,
               e.i32),
       {e.i32});
  return name;
}

// (len: i32) -> i32: guest memory from cabi_realloc, trapping on failure.
std::string add_alloc(const E& e, const Exports& x) {
  std::string name = fn_name("alloc");
  BinaryenExpressionRef p = BinaryenLocalTee(e.m, 1, e.call(x.realloc, {e.c(0), e.c(0), e.c(8), e.get(0)}, e.i32), e.i32);
  e.fn(name, {e.i32}, e.i32,
       e.block({BinaryenIf(e.m, BinaryenUnary(e.m, BinaryenEqZInt32(), p), BinaryenUnreachable(e.m), nullptr), e.get(1)},
               nullptr, e.i32),
       {e.i32});
  return name;
}

// () -> (): writes `text` to stderr (best effort), then traps.
void add_fail(const E& e, const std::string& name, const std::string& alloc, const std::string& fd_write,
              std::string_view text) {
  // local 0: buffer = [iovec (8) | nwritten (4) | pad (4) | text]
  std::string bytes(16, '\0');
  bytes += text;
  std::vector<BinaryenExpressionRef> body = {e.set(0, e.call(alloc, {e.c(round8(bytes.size()))}, e.i32))};
  for (BinaryenExpressionRef s : store_bytes(e, 0, bytes)) body.push_back(s);
  body.push_back(e.store(e.get(0), e.add(e.get(0), e.c(16))));
  body.push_back(e.store(e.get(0), e.c(static_cast<std::uint32_t>(text.size())), 4));
  body.push_back(BinaryenDrop(e.m, e.call(fd_write, {e.c(2), e.get(0), e.c(1), e.add(e.get(0), e.c(8))}, e.i32)));
  body.push_back(BinaryenUnreachable(e.m));
  e.fn(name, {}, e.none, e.block(body), {e.i32});
}

// Replaces an import by a definition under the same internal name (as the
// WASI imports are, imports.h): calls and table entries follow.
void define(const E& e, const FunctionImport& imp, BinaryenExpressionRef body) {
  BinaryenRemoveFunction(e.m, imp.internal.c_str());
  BinaryenAddFunction(e.m, imp.internal.c_str(), imp.params, imp.results, nullptr, 0, body);
}

void stub_js_imports(const E& e, const std::string& alloc, const std::string& fd_write) {
  std::vector<FunctionImport> imps = function_imports(e.m, kJsModule);
  for (const FunctionImport& c : function_imports(e.m, kCanonicalModule)) imps.push_back(c);
  int k = 0;
  for (const FunctionImport& imp : imps) {
    const BinaryenType i32 = e.i32;
    if (imp.module == kCanonicalModule && imp.params == i32 && imp.results == i32 &&
        (imp.base.starts_with("resource_new_") || imp.base.starts_with("resource_get_"))) {
      define(e, imp, e.get(0));  // the handle is the object
      continue;
    }
    if (imp.module == kCanonicalModule && imp.params == i32 && imp.results == e.none &&
        imp.base.starts_with("resource_drop_")) {
      define(e, imp, BinaryenNop(e.m));
      continue;
    }
    // "eval-js: func(code: string) -> ..." is shown as rb-js-abi-host.eval-js
    std::string what = imp.module + "." + imp.base.substr(0, imp.base.find(':'));
    std::string fail = fn_name("js_missing$" + std::to_string(k++));
    add_fail(e, fail, alloc, fd_write,
             "wimg: this Ruby command module has no JavaScript host: " + what +
                 " was called (build without ENTRYPOINT/CMD to keep the reactor ABI for @ruby/wasm-wasi)\n");
    define(e, imp, e.block({e.call(fail, {}, e.none), BinaryenUnreachable(e.m)}, nullptr, imp.results));
  }
}

// The constant strings _start needs, NUL-terminated, at fixed offsets.
struct Strings {
  std::string bytes;
  std::uint32_t program = 0;
  std::vector<std::uint32_t> words;  // kInitWords
  std::uint32_t run_prefix = 0;      // kRunPrefix
  std::uint32_t boot = 0;            // preceded by "\n": the tail after the run's words
  std::uint32_t boot_len = 0;
  std::uint32_t preinit = 0;
  std::uint32_t preinit_len = 0;
};

Strings strings() {
  Strings s;
  auto put = [&](std::string_view t) {
    auto at = static_cast<std::uint32_t>(s.bytes.size());
    s.bytes.append(t);
    s.bytes.push_back('\0');
    return at;
  };
  s.program = put(kProgramName);
  for (std::string_view w : kInitWords) s.words.push_back(put(w));
  s.run_prefix = put(kRunPrefix);
  s.boot_len = static_cast<std::uint32_t>(ruby_boot().size());
  s.boot = put("\n" + std::string(ruby_boot())) + 1;
  s.preinit_len = static_cast<std::uint32_t>(ruby_preinit().size());
  s.preinit = put(ruby_preinit());
  return s;
}

// () -> i32: the constant strings (strings()) in fresh guest memory.
std::string add_strings(const E& e, const std::string& alloc) {
  std::string name = fn_name("strings");
  const Strings s = strings();
  std::vector<BinaryenExpressionRef> body = {e.set(0, e.call(alloc, {e.c(round8(s.bytes.size()))}, e.i32))};
  for (BinaryenExpressionRef st : store_bytes(e, 0, s.bytes)) body.push_back(st);
  body.push_back(e.get(0));
  e.fn(name, {}, e.i32, e.block(body, nullptr, e.i32), {e.i32});
  return name;
}

// A runtime entry point (preinit.c), after the region setup.
BinaryenExpressionRef rt_call(const E& e, const Injected& inj, const std::string& entry,
                              std::vector<BinaryenExpressionRef> args, BinaryenType result) {
  return e.block({e.call(kVmemInit, {}, e.none), e.call(inj.runtime_entries.at(entry), std::move(args), result)},
                 nullptr, result);
}

BinaryenExpressionRef store8(const E& e, BinaryenExpressionRef ptr, BinaryenExpressionRef v, std::uint32_t off = 0) {
  return BinaryenStore(e.m, 1, off, 0, ptr, v, e.i32);
}

// (ptrs, n, skip, dst) -> end: writes strings ptrs[skip..n) (NUL-terminated)
// at dst as a Ruby array literal of double-quoted strings, every byte as
// \xHH (nothing to escape wrongly, any bytes survive). At most
// 2 + 4 * (their bytes with NULs) + 3 * n bytes.
std::string add_quote(const E& e) {
  std::string name = fn_name("quote");
  enum : BinaryenIndex { kPtrs, kN, kSkip, kDst, kI, kP, kB };
  auto put = [&](char ch) {
    return e.block({store8(e, e.get(kDst), e.c(static_cast<std::uint8_t>(ch))), e.set(kDst, e.add(e.get(kDst), e.c(1)))});
  };
  // '0'-'9', 'a'-'f' for a nibble (`nib` builds it anew: a node may not
  // appear twice in a tree)
  auto hex = [&](const std::function<BinaryenExpressionRef()>& nib) {
    return BinaryenSelect(e.m, BinaryenBinary(e.m, BinaryenLtUInt32(), nib(), e.c(10)), e.add(nib(), e.c('0')),
                          e.add(nib(), e.c('a' - 10)), e.i32);
  };
  auto hi = [&] { return BinaryenBinary(e.m, BinaryenShrUInt32(), e.get(kB), e.c(4)); };
  auto lo = [&] { return BinaryenBinary(e.m, BinaryenAndInt32(), e.get(kB), e.c(15)); };
  BinaryenExpressionRef bytes = BinaryenLoop(
      e.m, "wimg$ruby$quote_bytes",
      e.block({
          e.set(kB, BinaryenLoad(e.m, 1, false, 0, 0, e.i32, e.get(kP))),
          BinaryenBreak(e.m, "wimg$ruby$quote_str", BinaryenUnary(e.m, BinaryenEqZInt32(), e.get(kB)), nullptr),
          store8(e, e.get(kDst), e.c('\\')),
          store8(e, e.get(kDst), e.c('x'), 1),
          store8(e, e.get(kDst), hex(hi), 2),
          store8(e, e.get(kDst), hex(lo), 3),
          e.set(kDst, e.add(e.get(kDst), e.c(4))),
          e.set(kP, e.add(e.get(kP), e.c(1))),
          BinaryenBreak(e.m, "wimg$ruby$quote_bytes", nullptr, nullptr),
      }));
  BinaryenExpressionRef strings = BinaryenLoop(
      e.m, "wimg$ruby$quote_list",
      e.block({
          BinaryenBreak(e.m, "wimg$ruby$quote_done", BinaryenBinary(e.m, BinaryenGeUInt32(), e.get(kI), e.get(kN)),
                        nullptr),
          BinaryenIf(e.m, BinaryenBinary(e.m, BinaryenGtUInt32(), e.get(kI), e.get(kSkip)), put(','), nullptr),
          put('"'),
          e.set(kP, e.load(e.add(e.get(kPtrs), e.mul(e.get(kI), 4)))),
          e.block({bytes}, "wimg$ruby$quote_str"),
          put('"'),
          e.set(kI, e.add(e.get(kI), e.c(1))),
          BinaryenBreak(e.m, "wimg$ruby$quote_list", nullptr, nullptr),
      }));
  e.fn(name, {e.i32, e.i32, e.i32, e.i32}, e.i32,
       e.block({put('['), e.set(kI, e.get(kSkip)), e.block({strings}, "wimg$ruby$quote_done"), put(']'), e.get(kDst)},
               nullptr, e.i32),
       {e.i32, e.i32, e.i32});
  return name;
}

// clock_time_get and random_get answer the runtime's frozen stand-ins
// while a snapshot is taken (preinit.c), so that it is reproducible.
void freeze_clock_and_random(const E& e, const Injected& inj) {
  const std::pair<const char*, const char*> frozen[] = {{"clock_time_get", "wimg_rt_frozen_clock"},
                                                         {"random_get", "wimg_rt_frozen_random"}};
  for (const auto& [wasi, entry] : frozen) {
    auto it = inj.wasi_defs.find(wasi);
    if (it == inj.wasi_defs.end()) continue;  // never asked for
    BinaryenFunctionRef f = BinaryenGetFunction(e.m, it->second.c_str());
    BinaryenType params = BinaryenFunctionGetParams(f);
    BinaryenExpressionRef taking = BinaryenBinary(e.m, BinaryenEqInt32(), BinaryenGlobalGet(e.m, kPreinitGlobal, e.i32), e.c(1));
    BinaryenExpressionRef body = e.block(
        {BinaryenIf(e.m, taking, BinaryenReturn(e.m, rt_call(e, inj, entry, forward_params(e.m, params), e.i32)), nullptr),
         BinaryenFunctionGetBody(f)},
        nullptr, e.i32);
    BinaryenFunctionSetBody(f, body);
  }
}

// The init export (kPreinitExport) the snapshotter calls once: _initialize,
// ruby-init with fixed words, then ruby_preinit.rb; returns for the snapshot.
void add_preinit(const E& e, const Exports& x, const Injected& inj, const std::string& alloc,
                 const std::string& strings_fn) {
  const Strings s = strings();
  const auto n = static_cast<std::uint32_t>(1 + std::size(kInitWords));
  enum : BinaryenIndex { kStr, kList };
  std::vector<BinaryenExpressionRef> body = {
      BinaryenGlobalSet(e.m, kPreinitGlobal, e.c(1)),
      rt_call(e, inj, "wimg_rt_preinit", {}, e.none),
      e.call(x.initialize, {}, e.none),
      e.set(kStr, e.call(strings_fn, {}, e.i32)),
      e.set(kList, e.call(alloc, {e.c(n * 8)}, e.i32)),
  };
  auto entry = [&](std::uint32_t i, std::uint32_t at, std::size_t len) {
    body.push_back(e.store(e.add(e.get(kList), e.c(i * 8)), e.add(e.get(kStr), e.c(at))));
    body.push_back(e.store(e.add(e.get(kList), e.c(i * 8)), e.c(static_cast<std::uint32_t>(len)), 4));
  };
  entry(0, s.program, kProgramName.size());
  for (std::uint32_t w = 0; w < std::size(kInitWords); ++w) entry(1 + w, s.words[w], kInitWords[w].size());
  body.push_back(e.call(x.ruby_init, {e.get(kList), e.c(n)}, e.none));
  body.push_back(BinaryenDrop(e.m, e.call(x.eval, {e.add(e.get(kStr), e.c(s.preinit)), e.c(s.preinit_len)}, e.i32)));
  e.fn(fn_name("preinit"), {}, e.none, e.block(body), {e.i32, e.i32});
}

// _start of a resumed snapshot: the runtime takes this run's host side,
// then the bootstrap runs behind `__wimg_run = [[argv[1..]], [environ]]`.
void add_resume(const E& e, const Exports& x, const Injected& inj, const std::string& alloc, const std::string& strings_fn,
                const std::string& quote_fn, const std::string& fail_args, const std::string& fail_resume,
                const std::string& fail_boot) {
  const Strings s = strings();
  const std::vector<BinaryenType> two = {e.i32, e.i32};
  enum : BinaryenIndex { kSizes, kArgc, kArgsz, kAptrs, kAbuf, kEnvc, kEnvsz, kEptrs, kEbuf, kStr, kCode, kD };
  auto failed = [&](BinaryenExpressionRef errno_, const std::string& fail) {
    return BinaryenIf(e.m, errno_, e.call(fail, {}, e.none), nullptr);
  };
  // sizes_get, then the arrays and get: (count, bytes, ptrs, buf) locals
  auto list = [&](const char* what, BinaryenIndex n, BinaryenIndex size, BinaryenIndex ptrs, BinaryenIndex buf) {
    const std::string sizes_get = wasi_fn(e, inj, std::string(what) + "_sizes_get", two, e.i32);
    const std::string get = wasi_fn(e, inj, std::string(what) + "_get", two, e.i32);
    return e.block({
        failed(e.call(sizes_get, {e.get(kSizes), e.add(e.get(kSizes), e.c(4))}, e.i32), fail_args),
        e.set(n, e.load(e.get(kSizes))),
        e.set(size, e.load(e.get(kSizes), 4)),
        e.set(ptrs, e.call(alloc, {e.add(e.mul(e.get(n), 4), e.c(8))}, e.i32)),
        e.set(buf, e.call(alloc, {e.add(e.get(size), e.c(8))}, e.i32)),
        failed(e.call(get, {e.get(ptrs), e.get(buf)}, e.i32), fail_args),
    });
  };
  auto bound = [&](BinaryenIndex n, BinaryenIndex size) {
    return e.add(e.add(e.mul(e.get(size), 4), e.mul(e.get(n), 3)), e.c(2));
  };
  const auto prefix_len = static_cast<std::uint32_t>(kRunPrefix.size());
  const std::uint32_t tail_len = 1 + s.boot_len;  // "\n" + the bootstrap
  std::vector<BinaryenExpressionRef> body = {
      BinaryenGlobalSet(e.m, kPreinitGlobal, e.c(2)),
      failed(rt_call(e, inj, "wimg_rt_resume", {}, e.i32), fail_resume),
      e.set(kSizes, e.call(alloc, {e.c(8)}, e.i32)),
      list("args", kArgc, kArgsz, kAptrs, kAbuf),
      list("environ", kEnvc, kEnvsz, kEptrs, kEbuf),
      e.set(kStr, e.call(strings_fn, {}, e.i32)),
      e.set(kCode, e.call(alloc, {e.add(e.add(bound(kArgc, kArgsz), bound(kEnvc, kEnvsz)), e.c(prefix_len + 2 + tail_len + 8))},
                          e.i32)),
      BinaryenMemoryCopy(e.m, e.get(kCode), e.add(e.get(kStr), e.c(s.run_prefix)), e.c(prefix_len)),
      e.set(kD, e.call(quote_fn, {e.get(kAptrs), e.get(kArgc), e.c(1), e.add(e.get(kCode), e.c(prefix_len))}, e.i32)),
      store8(e, e.get(kD), e.c(',')),
      e.set(kD, e.call(quote_fn, {e.get(kEptrs), e.get(kEnvc), e.c(0), e.add(e.get(kD), e.c(1))}, e.i32)),
      store8(e, e.get(kD), e.c(']')),
      e.set(kD, e.add(e.get(kD), e.c(1))),
      BinaryenMemoryCopy(e.m, e.get(kD), e.add(e.get(kStr), e.c(s.boot - 1)), e.c(tail_len)),
      e.set(kD, e.add(e.get(kD), e.c(tail_len))),
      BinaryenDrop(e.m, e.call(x.eval, {e.get(kCode), e.sub(e.get(kD), e.get(kCode))}, e.i32)),
      // The bootstrap ends with exit!: returning means it could not even start.
      e.call(fail_boot, {}, e.none),
  };
  e.fn(fn_name("resume"), {}, e.none, e.block(body), std::vector<BinaryenType>(12, e.i32));
}

void add_start(const E& e, const Exports& x, const Injected& inj, const std::string& alloc,
               const std::string& strlen_fn, const std::string& strings_fn, const std::string& resume_fn,
               const std::string& fail_args, const std::string& fail_boot) {
  const std::vector<BinaryenType> two = {e.i32, e.i32};
  const std::string sizes_get = wasi_fn(e, inj, "args_sizes_get", two, e.i32);
  const std::string args_get = wasi_fn(e, inj, "args_get", two, e.i32);
  const Strings s = strings();
  const auto extra = static_cast<std::uint32_t>(std::size(kInitWords));
  // locals: 0 sizes, 1 argc, 2 ptrs, 3 buf, 4 list, 5 i, 6 str (the scan
  // pointer in the loop), 7 n, 8 strings (the constant strings)
  enum : BinaryenIndex { kSizes, kArgc, kPtrs, kBuf, kList, kI, kStr, kN, kRet };
  // list[index] = {ptr, len}; `index` is called twice (an expression is a
  // tree node: it may not appear twice).
  auto entry = [&](const std::function<BinaryenExpressionRef()>& index, BinaryenExpressionRef ptr,
                   BinaryenExpressionRef len) {
    auto slot = [&] { return e.add(e.get(kList), e.mul(index(), 8)); };
    return e.block({e.store(slot(), ptr), e.store(slot(), len, 4)});
  };
  auto failed = [&](BinaryenExpressionRef errno_) {
    return BinaryenIf(e.m, errno_, e.call(fail_args, {}, e.none), nullptr);
  };
  std::vector<BinaryenExpressionRef> body = {
      // A snapshot (PREINIT) resumes instead; that never returns.
      BinaryenIf(e.m, BinaryenBinary(e.m, BinaryenEqInt32(), BinaryenGlobalGet(e.m, kPreinitGlobal, e.i32), e.c(1)),
                 e.call(resume_fn, {}, e.none), nullptr),
      e.call(x.initialize, {}, e.none),
      e.set(kSizes, e.call(alloc, {e.c(8)}, e.i32)),
      failed(e.call(sizes_get, {e.get(kSizes), e.add(e.get(kSizes), e.c(4))}, e.i32)),
      e.set(kArgc, e.load(e.get(kSizes))),
      e.set(kPtrs, e.call(alloc, {e.add(e.mul(e.get(kArgc), 4), e.c(8))}, e.i32)),
      e.set(kBuf, e.call(alloc, {e.add(e.load(e.get(kSizes), 4), e.c(8))}, e.i32)),
      failed(e.call(args_get, {e.get(kPtrs), e.get(kBuf)}, e.i32)),
      e.set(kStr, e.call(strings_fn, {}, e.i32)),
  };
  // n = max(argc, 1) + the extra words
  body.push_back(e.set(kN, e.add(BinaryenSelect(e.m, e.get(kArgc), e.get(kArgc), e.c(1), e.i32), e.c(extra))));
  body.push_back(e.set(kList, e.call(alloc, {e.mul(e.get(kN), 8)}, e.i32)));
  // list[0]: argv[0], or "ruby" when the host gave no argv at all
  BinaryenExpressionRef argv0 = e.load(e.get(kPtrs));
  body.push_back(BinaryenIf(
      e.m, e.get(kArgc), entry([&] { return e.c(0); }, argv0, e.call(strlen_fn, {e.load(e.get(kPtrs))}, e.i32)),
      entry([&] { return e.c(0); }, e.add(e.get(kStr), e.c(s.program)), e.c(static_cast<std::uint32_t>(kProgramName.size())))));
  for (std::uint32_t w = 0; w < extra; ++w) {
    body.push_back(entry([&] { return e.c(1 + w); }, e.add(e.get(kStr), e.c(s.words[w])),
                         e.c(static_cast<std::uint32_t>(kInitWords[w].size()))));
  }
  // list[extra + i] = argv[i] for i in 1..argc-1
  BinaryenExpressionRef copy = e.block({
      BinaryenBreak(e.m, "wimg$ruby$args_done", BinaryenBinary(e.m, BinaryenGeUInt32(), e.get(kI), e.get(kArgc)),
                    nullptr),
      e.set(kStr, e.load(e.add(e.get(kPtrs), e.mul(e.get(kI), 4)))),
      entry([&] { return e.add(e.get(kI), e.c(extra)); }, e.get(kStr), e.call(strlen_fn, {e.get(kStr)}, e.i32)),
      e.set(kI, e.add(e.get(kI), e.c(1))),
      BinaryenBreak(e.m, "wimg$ruby$args_loop", nullptr, nullptr),
  });
  // kStr is reused by the loop: keep the strings' address in kRet until then
  body.push_back(e.set(kRet, e.get(kStr)));
  body.push_back(e.set(kI, e.c(1)));
  body.push_back(e.block({BinaryenLoop(e.m, "wimg$ruby$args_loop", copy)}, "wimg$ruby$args_done"));
  body.push_back(e.call(x.ruby_init, {e.get(kList), e.get(kN)}, e.none));
  body.push_back(BinaryenDrop(e.m, e.call(x.eval, {e.add(e.get(kRet), e.c(s.boot)), e.c(s.boot_len)}, e.i32)));
  // The bootstrap ends with exit!: returning means it could not even start.
  body.push_back(e.call(fail_boot, {}, e.none));
  std::vector<BinaryenType> vars(9, e.i32);
  e.fn(fn_name("start"), {}, e.none, e.block(body), vars);
}

}  // namespace

Status make_ruby_command(BinaryenModuleRef module, const Injected& injected, std::string_view shown) {
  E e{{module}};
  WIMG_ASSIGN(Exports x, find_exports(e, shown));
  if (BinaryenGetExport(module, "_start") != nullptr) {
    return make_error(ErrorKind::Input, std::string(shown) + ": already exports _start; it is a command");
  }
  const std::string alloc = add_alloc(e, x);
  const std::string strlen_fn = add_strlen(e);
  const std::string fd_write = wasi_fn(e, injected, "fd_write", {e.i32, e.i32, e.i32, e.i32}, e.i32);
  const std::string fail_args = fn_name("fail_args");
  add_fail(e, fail_args, alloc, fd_write, "wimg: the Ruby command module could not read its arguments\n");
  const std::string fail_boot = fn_name("fail_boot");
  add_fail(e, fail_boot, alloc, fd_write,
           "wimg: the Ruby command module's bootstrap failed before running the program (see above)\n");
  const std::string fail_resume = fn_name("fail_resume");
  add_fail(e, fail_resume, alloc, fd_write,
           "wimg: this pre-initialised image cannot take the run's host directories: one is mounted at / or where "
           "the image has no parent directory (or the image is damaged)\n");
  stub_js_imports(e, alloc, fd_write);
  BinaryenAddGlobal(module, kPreinitGlobal, e.i32, true, e.c(0));
  freeze_clock_and_random(e, injected);
  const std::string strings_fn = add_strings(e, alloc);
  add_resume(e, x, injected, alloc, strings_fn, add_quote(e), fail_args, fail_resume, fail_boot);
  add_preinit(e, x, injected, alloc, strings_fn);
  add_start(e, x, injected, alloc, strlen_fn, strings_fn, fn_name("resume"), fail_args, fail_boot);
  BinaryenRemoveExport(module, "_initialize");
  BinaryenAddFunctionExport(module, fn_name("start").c_str(), "_start");
  BinaryenAddFunctionExport(module, fn_name("preinit").c_str(), kPreinitExport.data());
  return {};
}

}  // namespace wimg::inject
