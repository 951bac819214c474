#include "dist/hints.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "support/fs.h"

namespace wimg::dist {

BlobHints::BlobHints(const store::Store& store, const std::string& host)
    : file_(store.cache_dir() + "/dist/" + sha256_of(host).hex()) {
  auto text = fs::read_file(file_);
  if (!text.ok()) return;  // no hints yet
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    auto d = Digest::parse(line.substr(0, space));
    if (d.ok() && space + 1 < line.size()) seen_[*d].insert(line.substr(space + 1));
  }
}

std::optional<std::string> BlobHints::repo_for(const Digest& d, const std::string& not_repo) const {
  std::lock_guard lock(mu_);
  auto it = seen_.find(d);
  if (it == seen_.end()) return std::nullopt;
  for (const auto& repo : it->second) {
    if (repo != not_repo) return repo;
  }
  return std::nullopt;
}

void BlobHints::record(const Digest& d, const std::string& repo) {
  std::lock_guard lock(mu_);
  if (!seen_[d].insert(repo).second) return;
  // Best effort: a hint that is not written only costs an upload later.
  ::mkdir(file_.substr(0, file_.rfind('/')).c_str(), 0755);
  int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string line = d.str() + " " + repo + "\n";
  [[maybe_unused]] ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
}

}  // namespace wimg::dist
