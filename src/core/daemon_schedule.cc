#include "core/daemon_schedule.h"

#include <algorithm>

namespace snapkeep::core {

std::optional<NextSlot> next_slot(const Config& config, Time after) {
  std::optional<NextSlot> best;
  for (const auto& policy : config.policies) {
    auto fire = policy.schedule.next_fire(after);
    if (fire && (!best || *fire < best->at)) best = NextSlot{*fire, policy.name};
  }
  return best;
}

std::chrono::milliseconds retry_delay(int failures, std::chrono::milliseconds first) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  const std::chrono::milliseconds most =
      std::max<std::chrono::milliseconds>(std::chrono::minutes(15), first);
  std::chrono::milliseconds delay = first;
  for (int i = 1; i < failures && delay < most; ++i) delay *= 2;
  return std::min(delay, most);
}

}  // namespace snapkeep::core
