#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace emm {
namespace {

TEST(WorkerPoolTest, RunsEveryJobOffTheCallersThreadAndDrainsOnStop) {
  WorkerPool pool("test-pool", 2);
  std::atomic<int> ran{0};
  std::mutex mu;
  std::set<size_t> workers;
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.Submit([&](size_t worker) {
      if (std::this_thread::get_id() == caller) on_caller = true;
      std::lock_guard<std::mutex> lock(mu);
      workers.insert(worker);
      ++ran;
    }));
  }
  pool.Stop();
  EXPECT_EQ(ran.load(), 50);  // queued jobs finish before Stop returns
  EXPECT_FALSE(on_caller.load());
  for (size_t w : workers) EXPECT_LT(w, pool.size());
}

TEST(WorkerPoolTest, RefusesJobsOnceStopped) {
  WorkerPool pool("test-pool", 1);
  pool.Stop();
  bool ran = false;
  EXPECT_FALSE(pool.Submit([&](size_t) { ran = true; }));
  EXPECT_FALSE(ran);
  pool.Stop();  // idempotent
}

}  // namespace
}  // namespace emm
