#include "image/reference.h"

#include <cctype>
#include <vector>

namespace wimg::image {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool valid_component(std::string_view c) {
  if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (lower_alnum(ch)) continue;
    if (ch == '-') continue;  // runs of dashes are allowed
    if (ch == '.' || ch == '_') {
      // "." and "_" single, "__" double; never next to another separator.
      std::size_t run = 1;
      while (i + run < c.size() && c[i + run] == ch) ++run;
      if (ch == '.' && run > 1) return false;
      if (ch == '_' && run > 2) return false;
      if (!lower_alnum(c[i + run]) || !lower_alnum(c[i - 1])) return false;
      i += run - 1;
      continue;
    }
    return false;
  }
  return true;
}

bool valid_domain(std::string_view d) {
  std::string_view host = d;
  if (auto colon = d.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  }
  return host.front() != '.' && host.back() != '.' && host.front() != '-';
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto c = static_cast<unsigned char>(t[i]);
    bool word = std::isalnum(c) || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

}  // namespace

Result<Reference> parse_reference(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::Input, "invalid image reference \"" + std::string(text) + "\": " + why);
  };
  if (text.empty()) return bad("empty");
  if (text.size() > 255 + 129) return bad("too long");
  if (text.find('@') != std::string_view::npos) return bad("digest references are not names; use the digest alone");
  std::string_view name = text;
  std::string tag = "latest";
  // A ":" after the last "/" starts the tag (a ":" before it is a port).
  auto slash = text.rfind('/');
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    name = text.substr(0, colon);
    tag = std::string(text.substr(colon + 1));
    if (!valid_tag(tag)) return bad("tag \"" + tag + "\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  }
  auto parts = split(name, '/');
  std::size_t first = 0;
  if (parts.size() > 1) {
    std::string_view d = parts[0];
    if (d.find('.') != std::string_view::npos || d.find(':') != std::string_view::npos || d == "localhost") {
      if (!valid_domain(d)) return bad("registry host \"" + std::string(d) + "\" is not valid");
      first = 1;
    }
  }
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (!valid_component(parts[i])) {
      return bad("name component \"" + std::string(parts[i]) +
                 "\" must be lower-case letters and digits, separated by '.', '_', '__' or '-'");
    }
  }
  return Reference{std::string(name), tag};
}

}  // namespace wimg::image
