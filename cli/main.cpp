// wimg command-line entry point: parses arguments, runs one subcommand and
// maps the one exception hierarchy (support/errors.h) to exit codes.
#include <clocale>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/version.h"
#include "support/errors.h"

int main(int argc, char** argv) {
  // libarchive converts member names through the C library's multibyte
  // functions: a UTF-8 locale keeps UTF-8 names byte-exact.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  wimg::cli::Context ctx{std::nullopt, std::cout, std::cerr, [](const char* n) { return std::getenv(n); }};
  CLI::App app{"wimg: build content-addressed layers into one WebAssembly binary"};
  app.set_version_flag("--version", wimg::cli::version_text());
  app.add_option_function<std::string>(
      "--store", [&](const std::string& s) { ctx.store_flag = s; },
      "Store directory (default: $WIMG_STORE, $XDG_DATA_HOME/wimg, ~/.local/share/wimg)");
  app.require_subcommand(1);
  wimg::cli::register_layer(app, ctx);
  wimg::cli::register_image(app, ctx);
  wimg::cli::register_images(app, ctx);
  wimg::cli::register_tag(app, ctx);
  wimg::cli::register_rmi(app, ctx);
  wimg::cli::register_prune(app, ctx);
  wimg::cli::register_store(app, ctx);
  wimg::cli::register_view(app, ctx);
  wimg::cli::register_history(app, ctx);
  wimg::cli::register_pack(app, ctx);
  wimg::cli::register_inspect(app, ctx);
  wimg::cli::register_build(app, ctx);
  wimg::cli::register_run(app, ctx);
  wimg::cli::register_import(app, ctx);
  wimg::cli::register_save(app, ctx);
  wimg::cli::register_load(app, ctx);
  wimg::cli::register_push(app, ctx);
  wimg::cli::register_pull(app, ctx);
  wimg::cli::register_login(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(wimg::ErrorKind::Usage);
  } catch (const wimg::Failure& f) {
    std::cout.flush();
    std::cerr << "wimg: error: " << f.what() << "\n";
    return f.exit_code();
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "wimg: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
