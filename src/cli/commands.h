// The subcommand table: each command registers its flags on a CLI11
// subcommand and returns the function that runs it. A command exists only
// once it is built (DESIGN.md section 3): no placeholders.
#pragma once

#include <functional>
#include <string_view>

// Only the .cc files that define subcommands include <CLI/CLI.hpp>: it is
// heavy to compile, and no header needs more than the name.
namespace CLI {
class App;
}

namespace snapkeep::cli {

// Runs a parsed command; returns the process exit status (see app.h).
using CommandRunner = std::function<int()>;

struct Command {
  std::string_view name;
  std::string_view description;
  // Adds the command's own flags to `sub` and returns its runner; the runner
  // is called only when this subcommand was chosen and parsing succeeded.
  CommandRunner (*setup)(CLI::App& sub);
};

// Defined in cmd_<name>.cc files, one per command.
CommandRunner setup_daemon(CLI::App& sub);
CommandRunner setup_iam_policy(CLI::App& sub);
CommandRunner setup_lambda(CLI::App& sub);
CommandRunner setup_drill(CLI::App& sub);
CommandRunner setup_list(CLI::App& sub);
CommandRunner setup_plan(CLI::App& sub);
CommandRunner setup_report(CLI::App& sub);
CommandRunner setup_restore(CLI::App& sub);
CommandRunner setup_run(CLI::App& sub);
CommandRunner setup_schedule(CLI::App& sub);
CommandRunner setup_validate(CLI::App& sub);

}  // namespace snapkeep::cli
