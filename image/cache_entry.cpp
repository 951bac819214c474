#include "image/cache_entry.h"

namespace wimg::image {

std::optional<Digest> read_cache_entry(const std::string& path) {
  auto text = fs::read_file(path);
  if (!text.ok() || text->empty() || text->back() != '\n') return std::nullopt;
  auto d = Digest::parse(std::string_view(*text).substr(0, text->size() - 1));
  if (!d.ok()) return std::nullopt;
  return *d;
}

Status write_cache_entry(const std::string& path, const Digest& object, fs::Durability durability) {
  WIMG_TRY(fs::mkdirs(fs::dirname(path)));
  return fs::atomic_write_file(path, object.str() + "\n", 0644, durability);
}

}  // namespace wimg::image
