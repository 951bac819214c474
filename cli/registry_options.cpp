#include "cli/registry_options.h"

#include <unistd.h>

#include "dist/auth.h"
#include "support/errors.h"

namespace wimg::cli {

std::string auth_file(const Context& ctx) {
  return dist::auth_file(ctx.getenv("XDG_CONFIG_HOME"), ctx.getenv("HOME"));
}

dist::RegistryOptions registry_options(const Context& ctx, const std::string& host, bool insecure) {
  dist::RegistryOptions o;
  o.insecure = insecure;
  o.credentials = unwrap(dist::load_credentials(auth_file(ctx), host));
  std::string ca = dist::config_dir(ctx.getenv("XDG_CONFIG_HOME"), ctx.getenv("HOME")) + "/certs.d/" + host + "/ca.crt";
  if (::access(ca.c_str(), R_OK) == 0) o.ca_file = ca;
  return o;
}

std::function<Result<Digest>(const std::string&)> image_fetcher(const Context& ctx) {
  return [&ctx](const std::string& ref) -> Result<Digest> {
    auto remote = dist::parse_remote(ref);
    if (!remote.ok()) return make_error(ErrorKind::NotFound, "no such image: " + ref);
    WIMG_ASSIGN(image::Reference name, image::parse_reference(ref));
    store::Store store = ctx.open_store();
    dist::Registry reg(remote->host, registry_options(ctx, remote->host, false));
    dist::ImportStats stats;
    dist::BlobHints hints(store, remote->host);
    // On a terminal, bytes as they move; the line below is the summary.
    bool tty = ::isatty(STDERR_FILENO) == 1;
    dist::Progress progress(tty ? &ctx.err : nullptr, tty, "pull " + remote->str());
    reg.set_progress(&progress);
    WIMG_ASSIGN(Digest d, dist::pull_image(store, reg, *remote, name, ctx.import_options(), &stats, &hints));
    if (tty) ctx.err << "\r\x1b[K";
    ctx.err << "pulled " << remote->str() << ": " << stats.blobs_fetched << " blobs fetched (" << stats.bytes_fetched
            << " bytes)\n";
    return d;
  };
}

}  // namespace wimg::cli
