// The snapkeep command line: a table of subcommands (name, description,
// function), common flags, and the mapping from errors to exit statuses:
// 0 success, 1 some action failed, 2 bad input or configuration.
#pragma once

namespace snapkeep::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

// Parses argv, runs one subcommand, and returns the process exit status.
// Never throws.
int run(int argc, char** argv);

}  // namespace snapkeep::cli
