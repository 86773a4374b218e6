#include "cli/app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <vector>

#include "cli/commands.h"

namespace snapkeep::cli {

namespace {

// Add a line here when a command is built; until then it does not exist.
const std::vector<Command> kCommands = {
    {"plan", "show what a run would do now (or at --now), and why; changes nothing", setup_plan},
    {"run", "reconcile once: create, tag and delete snapshots, then notify", setup_run},
    {"list", "show the restore points that exist, per instance: slot, age, volumes, state, size",
     setup_list},
    {"report", "coverage and RPO of every instance: text, JSON or a self-contained HTML page",
     setup_report},
    {"restore", "turn a restore point back into volumes, attached volumes or a new instance",
     setup_restore},
    {"drill", "restore drills: restore points as volumes, check, record pass/fail, clean up",
     setup_drill},
    {"validate", "check a configuration file and show what it means", setup_validate},
    {"schedule", "show when a schedule expression fires", setup_schedule},
    {"iam-policy", "print the least-privilege IAM policy the configuration needs",
     setup_iam_policy},
    {"daemon", "run the schedule: reconcile at every slot of every policy, until stopped",
     setup_daemon},
    {"lambda", "serve the AWS Lambda Runtime API: one run per invocation (custom runtime)",
     setup_lambda},
};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "snapkeep keeps EC2 instances recoverable with EBS snapshots: scheduled, tagged,\n"
      "pruned by retention rules, reported and restorable.",
      "snapkeep"};
  app.set_version_flag("--version", fmt::format("snapkeep {}", SNAPKEEP_VERSION));
  app.require_subcommand(0, 1);

  std::vector<std::pair<CLI::App*, CommandRunner>> runners;
  for (const auto& command : kCommands) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.description));
    runners.emplace_back(sub, command.setup(*sub));
  }

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
  for (auto& [sub, runner] : runners) {
    if (sub->parsed()) return runner();
  }
  fmt::print("{}", app.help());
  return kExitOk;
}

}  // namespace snapkeep::cli
