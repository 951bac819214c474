#include "cli/format.h"

#include <cstdio>

namespace wimg::cli {

std::string human_size(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000.0 && unit < 4) {
    v /= 1000.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g%s", v, kUnits[unit]);
  }
  return buf;
}

std::string pad(const std::string& s, std::size_t width) {
  if (s.size() >= width) return s + " ";
  return s + std::string(width - s.size(), ' ');
}

}  // namespace wimg::cli
