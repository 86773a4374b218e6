#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <fmt/format.h>

namespace snapkeep::cli {

int run(int argc, char** argv) {
  CLI::App app{
      "snapkeep keeps EC2 instances recoverable with EBS snapshots: scheduled, tagged,\n"
      "pruned by retention rules, reported and restorable.",
      "snapkeep"};
  app.set_version_flag("--version", fmt::format("snapkeep {}", SNAPKEEP_VERSION));
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with exit code 0.
    int status = app.exit(e);
    return status == 0 ? kExitOk : kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "snapkeep: {}\n", e.what());
    return kExitBadInput;
  }
  if (app.get_subcommands().empty()) {
    fmt::print("{}", app.help());
  }
  return kExitOk;
}

}  // namespace snapkeep::cli
