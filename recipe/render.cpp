// render_plan(): the stable text form of a plan (golden tests, dry runs).
#include <cstdio>

#include "recipe/wasmfile.h"

namespace wimg::recipe {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "]";
}

std::string pairs(const std::vector<KeyValue>& kvs) {
  std::string out;
  for (const auto& kv : kvs) {
    out += " " + kv.key;
    out += kv.value ? "=" + quote(*kv.value) : " (unset)";
  }
  return out;
}

std::string stage_label(const Plan& plan, std::size_t index) {
  std::string out = "stage " + std::to_string(index);
  for (const auto& s : plan.stages) {
    if (s.index == index && !s.name.empty()) out += " " + s.name;
  }
  return out;
}

std::string octal(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

}  // namespace

std::string render_plan(const Plan& plan) {
  std::string out;
  if (plan.escape != '\\') out += std::string("escape ") + plan.escape + "\n";
  for (const auto& a : plan.global_args) out += "global ARG" + pairs({a}) + "\n";
  for (const auto& s : plan.stages) {
    out += "stage " + std::to_string(s.index);
    if (!s.name.empty()) out += " " + s.name;
    out += " (" + std::to_string(s.loc.line) + ":" + std::to_string(s.loc.column) + "): FROM ";
    switch (s.from.kind) {
      case FromRef::Kind::Image: out += "image " + s.from.image; break;
      case FromRef::Kind::Wasm: out += "wasm " + quote(s.from.path); break;
      case FromRef::Kind::Stage: out += stage_label(plan, s.from.stage); break;
    }
    out += "\n";
    for (const auto& in : s.instructions) {
      out += "  " + std::to_string(in.loc.line) + ":" + std::to_string(in.loc.column) + " " + kind_name(in.kind);
      switch (in.kind) {
        case InstructionKind::Arg:
        case InstructionKind::Env:
        case InstructionKind::Label:
          out += pairs(in.pairs);
          break;
        case InstructionKind::Copy:
        case InstructionKind::Add:
          if (in.from.kind == CopySource::Kind::Stage) out += " --from=" + stage_label(plan, in.from.stage);
          if (in.from.kind == CopySource::Kind::Image) out += " --from=image " + in.from.image;
          if (in.chmod) out += " --chmod=" + octal(*in.chmod);
          for (const auto& e : in.excludes) out += " --exclude=" + quote(e);
          out += " " + list(in.args) + " -> " + quote(in.path);
          break;
        case InstructionKind::Entrypoint:
        case InstructionKind::Cmd:
        case InstructionKind::Run:
          out += std::string(in.form == Form::Exec ? " exec " : " shell ") + list(in.args);
          break;
        case InstructionKind::Workdir:
        case InstructionKind::Mount:
          out += " " + quote(in.path);
          break;
        case InstructionKind::Volume:
        case InstructionKind::Preinit:
          out += " " + list(in.args);
          break;
      }
      out += "\n";
      for (const auto& n : in.notes) out += "      note: " + n + "\n";
    }
    const auto& c = s.config;
    out += "  config: workdir " + quote(c.workdir) + "\n";
    for (const auto& [k, v] : c.env) out += "    env " + k + "=" + quote(v) + "\n";
    for (const auto& [k, v] : c.labels) out += "    label " + quote(k) + "=" + quote(v) + "\n";
    if (c.entrypoint) out += "    entrypoint " + list(*c.entrypoint) + "\n";
    if (c.cmd) out += "    cmd " + list(*c.cmd) + "\n";
    for (const auto& m : c.mounts) out += "    mount " + quote(m) + "\n";
    for (const auto& v : c.volumes) out += "    volume " + quote(v) + "\n";
  }
  for (const auto& w : plan.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace wimg::recipe
