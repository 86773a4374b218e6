// `snapkeep validate`: checks a configuration file and says what it means, one
// line per policy (selection, schedule in words, the next three runs,
// retention), each followed by one line per copy target, or prints every
// error, one per line, and exits 2.
//
// validate_config() takes the time and the streams as arguments so that tests
// pin them; the command passes the real clock and stdout/stderr.
//
// Thread safety: free functions; validate_config reads the file system only.
#pragma once

#include <ostream>
#include <string>

#include "core/config.h"
#include "core/schedule.h"

namespace snapkeep::cli {

// One line describing a policy at `now`, e.g. "nightly: instances tagged
// Backup=true; at 00:00 every day (UTC); next runs 2026-11-27T00:00:00Z,
// ...; keep count 7, daily 14".
std::string describe_policy(const core::Policy& policy, core::Time now);

// One line describing a copy target, e.g. "copies every completed restore
// point that its retention keeps to us-west-2 in the same account, encrypted
// with KMS key alias/dr of us-west-2; keep days 90 there; at most 20 copies
// in flight, the rest waits for a later run". validate prints it, indented,
// under its policy.
std::string describe_copy(const core::CopyTarget& copy);

// Loads and checks `path`. On success prints "ok: <path> ..." and one line
// per policy to `out` and returns kExitOk; otherwise prints each error to
// `err` and returns kExitBadInput.
int validate_config(const std::string& path, core::Time now, std::ostream& out, std::ostream& err);

}  // namespace snapkeep::cli
