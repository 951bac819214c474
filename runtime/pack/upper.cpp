#include "runtime/pack/upper.h"

#include <cctype>

namespace wimg::pack {

Result<std::uint64_t> parse_size(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return make_error(ErrorKind::Usage, std::string(what) + " " + std::string(text) +
                                            ": expected a size such as 1048576, 512k, 64m or 1g (at most 4g)");
  };
  if (text.empty()) return bad();
  std::uint64_t unit = 1;
  char last = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
  if (last == 'k' || last == 'm' || last == 'g') {
    unit = last == 'k' ? 1ull << 10 : last == 'm' ? 1ull << 20 : 1ull << 30;
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 10) return bad();
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > (4ull << 30) / unit) return bad();
  return v * unit;
}

Result<std::vector<std::string>> upper_setting(const std::map<std::string, std::string>& labels) {
  auto ro = labels.find(std::string(kReadOnlyLabel));
  auto size = labels.find(std::string(kTmpfsSizeLabel));
  if (ro != labels.end() && ro->second != "true" && ro->second != "false") {
    return make_error(ErrorKind::Input, "label " + std::string(kReadOnlyLabel) + "=" + ro->second +
                                            ": expected true or false");
  }
  std::uint64_t bytes = kDefaultUpperBytes;
  if (size != labels.end()) {
    auto parsed = parse_size(size->second, "label " + std::string(kTmpfsSizeLabel));
    if (!parsed) return make_error(ErrorKind::Input, parsed.error().message);
    bytes = *parsed;
  }
  if (ro != labels.end() && ro->second == "true") return std::vector<std::string>{"ro"};
  if (size == labels.end()) return std::vector<std::string>{};
  return std::vector<std::string>{std::to_string(bytes)};
}

std::string describe_upper(const std::vector<std::string>& fs) {
  const std::string setting = fs.empty() ? "" : fs.front();
  if (setting == "ro") return "no (read-only)";
  const std::string cap = setting.empty() ? std::to_string(kDefaultUpperBytes) : setting;
  return "in memory, at most " + cap + " bytes" + (setting.empty() ? " (the default)" : "");
}

std::string upper_var(bool read_only, std::uint64_t bytes) { return read_only ? "ro" : std::to_string(bytes); }

}  // namespace wimg::pack
