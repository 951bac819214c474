// The project's own reader for WebAssembly binary modules (core spec 2.0,
// plus the threads and memory64 memory flags so they can be reported).
// Untrusted bytes go through here first: binaryen aborts the process on
// malformed input, this reader returns an error naming the byte at fault.
//
//   module    = magic version *section            ; nothing after the last section
//   magic     = %x00 %x61 %x73 %x6d                ; "\0asm"
//   version   = %x01 %x00 %x00 %x00                ; u32le(1)
//   section   = id:byte size:u32 payload:size*byte
//   custom    = name:str content:*byte             ; id 0, anywhere, repeatable
//   str       = len:u32 len*byte                   ; valid UTF-8
//
// Non-custom sections appear at most once, in this order (datacount, id 12,
// sits between element and code):
//   type 1, import 2, function 3, table 4, memory 5, global 6, export 7,
//   start 8, element 9, datacount 12, code 10, data 11
//
// Sections decoded here (u32 is LEB128, see leb128.h):
//   type      = vec(0x60 vec(valtype) vec(valtype))            ; counted
//   import    = vec(module:str name:str importdesc)
//   importdesc= 0x00 typeidx | 0x01 reftype limits | 0x02 limits | 0x03 valtype mut
//   function  = vec(typeidx)
//   table, global, element = vec(...)                          ; count only
//   memory    = vec(limits)
//   limits    = flags:byte min [max]   ; flags bit0 has max, bit1 shared, bit2 memory64
//   export    = vec(name:str kind:byte index:u32)
//   start     = funcidx
//   datacount = u32
//   code      = vec(size:u32 body:size*byte)                   ; bodies not decoded
//   data      = vec(0:u32 expr bytes | 1:u32 bytes | 2:u32 memidx expr bytes)
//   expr      = constant instructions ... 0x0b
// Every section must be consumed exactly; every count is checked against
// the bytes left before anything is allocated for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/result.h"

namespace wimg::wasm {

enum class SectionId : std::uint8_t {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
};

// "code" for 10, "unknown" past 12.
std::string_view section_name(std::uint8_t id);
// Position of a non-custom section in the required order (type 1 ... data 12).
int section_rank(std::uint8_t id);

struct Section {
  std::uint8_t id = 0;
  std::size_t start = 0;           // offset of the id byte
  std::size_t payload_offset = 0;  // first byte after the size
  std::size_t payload_size = 0;
  std::string_view name;           // custom sections: their name (a view into the module's bytes)
  std::size_t content_offset = 0;  // custom sections: first byte after the name; others: payload_offset
  std::size_t end() const { return payload_offset + payload_size; }
};

enum class ExternKind : std::uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
std::string_view extern_kind_name(ExternKind kind);

// Table and memory limits. Counts are pages (memory) or elements (table).
struct Limits {
  std::uint64_t min = 0;
  std::optional<std::uint64_t> max;
  bool shared = false;    // threads proposal: flag bit 1
  bool memory64 = false;  // memory64 proposal: flag bit 2, min/max are u64
};

struct Import {
  std::size_t offset = 0;  // where the entry starts
  std::string_view module;
  std::string_view name;
  ExternKind kind = ExternKind::Func;
  std::uint32_t func_type = 0;  // Func: type index
  std::uint8_t ref_type = 0;    // Table: 0x70 funcref / 0x6f externref
  Limits limits;                // Table, Memory
  std::uint8_t value_type = 0;  // Global
  bool mutable_global = false;  // Global
};

struct Export {
  std::size_t offset = 0;
  std::string_view name;
  ExternKind kind = ExternKind::Func;
  std::uint32_t index = 0;
};

enum class DataMode : std::uint8_t {
  Active = 0,          // flags 0: memory 0, offset expression
  Passive = 1,         // flags 1: copied only by memory.init
  ActiveExplicit = 2,  // flags 2: explicit memory index, offset expression
};

struct DataSegment {
  std::size_t offset = 0;  // where the entry starts (its flags)
  DataMode mode = DataMode::Active;
  std::uint32_t memory = 0;
  std::string_view offset_expr;             // active: raw expression bytes including the final 0x0b
  std::optional<std::uint32_t> i32_offset;  // active, when the expression is exactly i32.const N end
  std::size_t data_offset = 0;              // the segment's bytes in the file
  std::size_t data_size = 0;
};

struct CodeBody {
  std::size_t offset = 0;  // first byte of the body (after its size)
  std::size_t size = 0;
};

struct Module {
  std::string_view bytes;         // the whole file; every view and offset below points into it
  std::vector<Section> sections;  // file order, custom sections included
  std::uint32_t type_count = 0;
  std::vector<Import> imports;
  std::vector<std::uint32_t> function_types;  // type index of each defined (non-imported) function
  std::uint32_t table_count = 0;              // defined tables
  std::vector<Limits> memories;               // defined memories
  std::uint32_t global_count = 0;             // defined globals
  std::vector<Export> exports;
  std::optional<std::uint32_t> start;
  std::uint32_t element_count = 0;
  std::optional<std::uint32_t> data_count;  // the DataCount section, when present
  std::vector<CodeBody> code;
  std::vector<DataSegment> data;

  // The first section with this id, or nullptr.
  const Section* find(SectionId id) const;
  // Every custom section with this name, in file order.
  std::vector<const Section*> custom_sections(std::string_view name) const;
  std::string_view payload(const Section& s) const { return bytes.substr(s.payload_offset, s.payload_size); }
  // A custom section's bytes after its name (the whole payload for others).
  std::string_view content(const Section& s) const {
    return bytes.substr(s.content_offset, s.end() - s.content_offset);
  }
  std::string_view segment_bytes(const DataSegment& d) const { return bytes.substr(d.data_offset, d.data_size); }

  std::uint32_t count_imports(ExternKind kind) const;
  // Index spaces: imports first, then definitions.
  std::uint64_t function_count() const { return count_imports(ExternKind::Func) + function_types.size(); }
  std::uint64_t table_total() const { return count_imports(ExternKind::Table) + std::uint64_t{table_count}; }
  std::uint64_t memory_count() const { return count_imports(ExternKind::Memory) + memories.size(); }
  std::uint64_t global_total() const { return count_imports(ExternKind::Global) + std::uint64_t{global_count}; }
};

// Parses and checks `bytes`; `shown` names the file in error messages
// (ErrorKind::Input, "<shown>: byte <offset>: <what is wrong>"). The result
// refers into `bytes`, which must outlive it.
Result<Module> parse_module(std::string_view bytes, std::string_view shown);

}  // namespace wimg::wasm
