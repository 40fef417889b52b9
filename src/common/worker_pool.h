// A few threads that run queued jobs off the caller's thread: the HTTP I/O threads hand over work
// that waits on another service (the OTLP collector, the GitHub API) so that they never block.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace emm {

// Thread-safe.
class WorkerPool {
 public:
  // A job learns which worker (0 .. threads-1) runs it, to use that worker's own resources.
  using Job = std::function<void(size_t worker)>;

  // `name`: the threads' name (at most 15 characters shown); `threads` at least 1.
  WorkerPool(std::string name, int threads);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Queues `job` (jobs start in order); false, without running it, once Stop() began.
  bool Submit(Job job);

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Work(size_t index);

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace emm
