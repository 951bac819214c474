#include "image/preinit.h"

#include <nlohmann/json.hpp>

namespace wimg::image {

std::string preinit_label(const std::vector<std::string>& words) { return nlohmann::json(words).dump(); }

Result<std::optional<std::vector<std::string>>> preinit_words(const Config& config, std::string_view shown) {
  auto it = config.labels.find(std::string(kPreinitLabel));
  if (it == config.labels.end()) return std::optional<std::vector<std::string>>();
  auto bad = [&] {
    return make_error(ErrorKind::Input, std::string(shown) + ": label " + std::string(kPreinitLabel) +
                                            " is not a JSON array of strings: " + it->second);
  };
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return bad();
  std::vector<std::string> words;
  for (const auto& w : j) {
    if (!w.is_string()) return bad();
    words.push_back(w.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(words));
}

Digest preinit_key(const Digest& preparer, std::string_view identity, const std::vector<std::string>& words) {
  return sha256_of(std::string(kPreinitRevision) + "\n" + preparer.str() + "\n" + std::string(identity) + "\n" +
                   preinit_label(words));
}

}  // namespace wimg::image
