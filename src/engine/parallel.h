// Bounded parallelism over regions: task(i) for every i in [0, count), on
// at most `parallel` threads at once, joined before returning. Each index is
// taken by exactly one thread, so per-index results need no locking; results
// merged by index afterwards do not depend on thread timing.
//
// Thread safety: `task` is called from several threads at once.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace snapkeep::engine {

template <class Task>
void run_bounded(std::size_t count, int parallel, const Task& task) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) task(i);
  };
  const std::size_t threads = std::min(count, static_cast<std::size_t>(std::max(1, parallel)));
  if (threads <= 1) {
    worker();
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
}

}  // namespace snapkeep::engine
