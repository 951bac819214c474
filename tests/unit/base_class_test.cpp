// The one owner of the base (image/base.h) and the interpreter registry
// (runtime/inject/interpreter.h): the class of every kind of module, the
// one refusal policy (a packed image is refused at the first command that
// sees it, `image create --base`), which preparation a render asks for,
// and that the registry keeps the on-disk values ("abi":"ruby-command",
// the command preparer digest) what they were before it existed.
#include <gtest/gtest.h>

#include <vector>

#include "image/base.h"
#include "image/images.h"
#include "image/packing.h"
#include "pack_test_util.h"
#include "runtime/guest/wimg_abi.h"
#include "runtime/inject/interpreter.h"
#include "runtime/inject/prepare.h"
#include "runtime/inject/ruby_base.h"
#include "runtime/pack/sections.h"
#include "support/fs.h"
#include "test_util.h"
#include "wasm_test_util.h"

namespace wimg::image {
namespace {

using test::TempDir;

const char* const kCommand = R"wat((module (memory (export "memory") 1) (func (export "_start"))))wat";
const char* const kReactor = R"wat((module (memory (export "memory") 1) (func (export "_initialize"))))wat";
// The exports that make a reactor CRuby (runtime/inject/ruby_base.h).
const char* const kCRuby = R"wat((module (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "ruby-init: func(args: list<string>) -> ()") (param i32 i32))
  (func (export "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>")
    (param i32 i32) (result i32) (i32.const 0))))wat";
// The same with a _start: a command is never an interpreter's reactor.
const char* const kCRubyWithStart = R"wat((module (memory (export "memory") 1)
  (func (export "_start")) (func (export "_initialize"))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "ruby-init: func(args: list<string>) -> ()") (param i32 i32))
  (func (export "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>")
    (param i32 i32) (result i32) (i32.const 0))))wat";

std::string wasm_of(const TempDir& dir, const char* wat) {
  std::string bytes = test::wat2wasm(dir, wat);
  EXPECT_FALSE(bytes.empty()) << "wat2wasm refused the test module: " << test::read_file(dir / "err.txt");
  return bytes;
}
std::string with_custom(std::string bytes, std::string_view name) {
  return bytes + test::sec(0, test::str(name) + "{}");
}

BaseInfo class_of(const std::string& bytes) {
  auto r = check_base(bytes, "m.wasm");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : BaseInfo{};
}

TEST(BaseClass, EveryKindOfModule) {
  TempDir dir;
  const std::string reactor = wasm_of(dir, kReactor);
  EXPECT_EQ(class_of(wasm_of(dir, kCommand)).cls, BaseClass::Command);
  EXPECT_EQ(class_of(reactor).cls, BaseClass::Reactor);
  EXPECT_EQ(class_of(reactor).interpreter, nullptr);
  EXPECT_EQ(class_of(wasm_of(dir, kCRubyWithStart)).cls, BaseClass::Command);

  const BaseInfo cruby = class_of(wasm_of(dir, kCRuby));
  EXPECT_EQ(cruby.cls, BaseClass::InterpreterReactor);
  ASSERT_NE(cruby.interpreter, nullptr);
  EXPECT_EQ(cruby.interpreter, &inject::cruby_interpreter());
  EXPECT_EQ(cruby.interpreter->id, "cruby");

  const std::string prepared = with_custom(wasm_of(dir, kCRuby), pack::kRuntimeSectionName);
  EXPECT_EQ(class_of(prepared).cls, BaseClass::Prepared);
  EXPECT_EQ(class_of(prepared).interpreter, nullptr);
  // A packed module carries both sections: it is packed, not prepared.
  const BaseInfo packed =
      classify_base(*wasm::parse_module(with_custom(prepared, pack::kManifestSectionName), "p.wasm"));
  EXPECT_EQ(packed.cls, BaseClass::Packed);
}

TEST(BaseClass, OneRefusalPolicy) {
  TempDir dir;
  const std::string prepared = with_custom(wasm_of(dir, kReactor), pack::kRuntimeSectionName);
  const std::string packed = with_custom(prepared, pack::kManifestSectionName);
  for (BaseUse use : {BaseUse::Stack, BaseUse::Import}) {
    auto r = check_base(packed, "packed.wasm", use);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Input);
    EXPECT_EQ(r.error().message, "packed.wasm: is already a packed image; use its base instead");
  }
  EXPECT_TRUE(check_base(prepared, "prepared.wasm", BaseUse::Stack).ok());
  auto imp = check_base(prepared, "prepared.wasm", BaseUse::Import);
  ASSERT_FALSE(imp.ok());
  EXPECT_NE(imp.error().message.find("prepared.wasm: already carries a wimg runtime"), std::string::npos);

  // `image create --base packed.wasm`: refused by the first command, and
  // the store gets nothing.
  store::Store st = *store::Store::open(dir / "store");
  test::write_file(dir / "packed.wasm", packed);
  auto put = put_base_wasm(st, dir / "packed.wasm");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("is already a packed image"), std::string::npos) << put.error().message;
  EXPECT_FALSE(st.has(sha256_of(packed)));
}

// Which preparation a render asks of its preparer: a command only of an
// interpreter's reactor with ENTRYPOINT/CMD (or `run`'s as_command).
TEST(BaseClass, RenderAsksForACommandOnlyOfAnInterpreterReactor) {
  TempDir dir;
  store::Store st = *store::Store::open(dir / "store");
  std::vector<PrepareMode> asked;
  Preparer prep{sha256_of("plain"), sha256_of("command"),
                [&asked](std::string_view, std::string_view, PrepareMode mode) -> Result<std::string> {
                  asked.push_back(mode);
                  return test::prepared_base();
                },
                {}};
  auto mode_for = [&](const char* wat, bool cmd, bool as_command) {
    test::write_file(dir / "base.wasm", wasm_of(dir, wat));
    Manifest m;
    m.base = *put_base_wasm(st, dir / "base.wasm");
    if (cmd) m.config.cmd = std::vector<std::string>{"app"};
    asked.clear();
    auto r = render_wasm(st, m, prep, "app", RenderOptions{.as_command = as_command});
    EXPECT_TRUE(r.ok()) << r.error().message;
    // Each (base, mode) is prepared once; later renders hit the cache.
    return asked.empty() ? std::optional<PrepareMode>() : std::optional<PrepareMode>(asked.back());
  };
  EXPECT_EQ(mode_for(kCRuby, true, false), PrepareMode::Command);
  EXPECT_EQ(mode_for(kCRuby, false, false), PrepareMode::Plain);
  EXPECT_EQ(mode_for(kReactor, true, false), PrepareMode::Plain);   // a command wanted: plain for a reactor
  EXPECT_EQ(mode_for(kReactor, false, true), std::nullopt);          // ... the same entry: cached
  EXPECT_EQ(mode_for(kCommand, true, false), PrepareMode::Plain);
}

TEST(BaseClass, RegistryKeepsTheOnDiskValues) {
  const inject::Interpreter* ruby = inject::interpreter_of_command_abi("ruby-command");
  ASSERT_NE(ruby, nullptr);
  EXPECT_EQ(ruby, &inject::cruby_interpreter());
  EXPECT_EQ(inject::interpreter_of_command_abi(""), nullptr);
  EXPECT_EQ(inject::interpreter_of_command_abi("python-command"), nullptr);

  // The wimg.runtime section's "abi": a registered one round-trips, any
  // other is refused.
  pack::RuntimeSection r;
  r.base = sha256_of("b");
  r.runtime = sha256_of("r");
  r.slots = WIMG_SLOTS;
  r.abi = "ruby-command";
  const std::string text = pack::encode_runtime_section(r);
  EXPECT_NE(text.find(R"("abi":"ruby-command")"), std::string::npos) << text;
  auto back = pack::decode_runtime_section(text, "m");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->abi, "ruby-command");
  std::string other = text;
  other.replace(other.find("ruby-command"), 12, "rubx-command");
  EXPECT_FALSE(pack::decode_runtime_section(other, "m").ok());

  // The command preparer digest as it was before the registry: the plain
  // one, then Ruby's revision, bootstrap and preinit program.
  const std::string rt = "runtime bytes";
  const std::string nul(1, '\0');
  EXPECT_EQ(inject::command_preparer_digest(rt),
            sha256_of(inject::preparer_digest(rt).str() + nul + std::string(inject::kRubyCommandRevision) + nul +
                      std::string(inject::ruby_boot()) + nul + std::string(inject::ruby_preinit())));
}

}  // namespace
}  // namespace wimg::image
