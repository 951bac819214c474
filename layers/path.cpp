#include "layers/path.h"

#include <cstdio>
#include <vector>

#include "support/utf8.h"

namespace wimg::layers {

bool valid_utf8(std::string_view s) { return utf8::valid(s); }

std::string quote_path(std::string_view s) {
  std::string out;
  bool utf8 = valid_utf8(s);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

Status check_path(std::string_view path, std::string_view shown) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::Input, quote_path(shown) + ": " + why);
  };
  if (path.empty()) return bad("empty path");
  if (path.size() > kMaxPath) {
    return bad("path is " + std::to_string(path.size()) + " bytes long; the limit is " + std::to_string(kMaxPath));
  }
  if (path.find('\0') != std::string_view::npos) return bad("path contains a NUL byte");
  if (!valid_utf8(path)) return bad("name is not valid UTF-8 (WASI paths are UTF-8 strings)");
  if (path.front() == '/') return bad("absolute path");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(start, end - start);
    if (comp.empty()) return bad("empty path component");
    if (comp == "." || comp == "..") return bad("path component \"" + std::string(comp) + "\" is not allowed");
    if (comp.size() > kMaxComponent) {
      return bad("a path component is " + std::to_string(comp.size()) + " bytes long; the limit is " +
                 std::to_string(kMaxComponent));
    }
    start = end + 1;
  }
  return {};
}

Result<std::string> normalize_member_name(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::Input, "member \"" + quote_path(name) + "\": " + why);
  };
  if (name.empty()) return bad("empty name");
  if (name.front() == '/') return bad("absolute path names are not allowed in a layer");
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view comp = name.substr(start, end - start);
    if (comp == "..") return bad("\"..\" escapes the layer root");
    if (!comp.empty() && comp != ".") parts.push_back(comp);
    start = end + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  if (out.empty()) return out;
  if (auto s = check_path(out, name); !s) return std::move(s).error();
  return out;
}

std::string_view parent_of(std::string_view path) {
  auto pos = path.rfind('/');
  return pos == std::string_view::npos ? std::string_view{} : path.substr(0, pos);
}

std::string_view base_of(std::string_view path) {
  auto pos = path.rfind('/');
  return pos == std::string_view::npos ? path : path.substr(pos + 1);
}

}  // namespace wimg::layers
