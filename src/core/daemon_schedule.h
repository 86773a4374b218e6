// When `snapkeep daemon` wakes up: at the next slot of any policy, or sooner
// to retry after a failed run (with backoff). Pure: the daemon supplies the
// times.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/config.h"

namespace snapkeep::core {

struct NextSlot {
  Time at;
  std::string policy;  // the first policy (in file order) with a slot then
};

// The earliest fire time strictly after `after` of any policy; nullopt when
// no policy fires again.
std::optional<NextSlot> next_slot(const Config& config, Time after);

// How long to wait before retrying after `failures` failed runs in a row
// (1, 2, ...): `first`, doubling up to 15 minutes (or `first` when that is
// longer); 0 for no failure.
std::chrono::milliseconds retry_delay(int failures,
                                      std::chrono::milliseconds first = std::chrono::seconds(30));

}  // namespace snapkeep::core
