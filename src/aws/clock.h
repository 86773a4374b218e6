// Clock: wall time and sleeping, behind one interface so that retries, rate
// limiting and credential expiry are tested instantly with a fake clock
// (LevelDB's Env does the same for NowMicros and SleepForMicroseconds).
//
// Thread safety: implementations are safe to call from several threads.
#pragma once

#include <chrono>

namespace snapkeep::aws {

using SysTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current UTC time (used for signing dates and credential expiry).
  virtual SysTime now() = 0;
  // Monotonic time, for rate limiting and backoff.
  virtual std::chrono::steady_clock::time_point monotonic() = 0;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// The real clock. A process-wide instance is returned by system_clock().
class SystemClock final : public Clock {
 public:
  SysTime now() override;
  std::chrono::steady_clock::time_point monotonic() override;
  void sleep_for(std::chrono::milliseconds duration) override;
};

Clock& system_clock();

}  // namespace snapkeep::aws
