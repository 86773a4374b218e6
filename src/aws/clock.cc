#include "aws/clock.h"

#include <thread>

namespace snapkeep::aws {

SysTime SystemClock::now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::monotonic() {
  return std::chrono::steady_clock::now();
}

void SystemClock::sleep_for(std::chrono::milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace snapkeep::aws
