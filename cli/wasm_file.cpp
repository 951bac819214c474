#include "cli/wasm_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/images.h"
#include "runtime/pack/packed.h"
#include "support/errors.h"
#include "support/fs.h"

namespace wimg::cli {

bool is_wasm_file(const std::string& spec) {
  struct stat st;
  if (::stat(spec.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  auto fd = fs::open_file(spec, O_RDONLY);
  char head[4];
  return fd.ok() && ::read(fd->get(), head, 4) == 4 && pack::looks_like_wasm(std::string_view(head, 4));
}

Digest resolve_image_arg(const store::Store& store, const std::string& spec) {
  auto resolved = image::resolve_image(store, spec);
  if (resolved.ok()) return *resolved;
  if (spec.ends_with(".wasm") || spec.find('/') != std::string::npos) {
    if (fs::exists(spec)) throw Failure(ErrorKind::Input, spec + ": not a WebAssembly file");
    if (resolved.error().kind == ErrorKind::NotFound || resolved.error().kind == ErrorKind::Input) {
      throw Failure(ErrorKind::NotFound, "no such image or packed .wasm file: " + spec);
    }
  }
  throw Failure(std::move(resolved).error());
}

}  // namespace wimg::cli
