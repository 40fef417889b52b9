// Group commit. Requests hand their unit of work to one writer thread, which runs whatever has
// queued up as one batch: one transaction and one sync for many requests. Each request is told the
// outcome only after the commit, so an acknowledged write is on disk.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "storage/event_store.h"

namespace emm::storage {

class WriteQueue {
 public:
  // Called on the writer thread after the batch holding the work has committed (or failed).
  // Must be quick: hand the result to another thread rather than doing I/O here.
  using Done = std::function<void(Status)>;

  // `store` must outlive the queue. `max_batch` bounds the latency one batch adds.
  explicit WriteQueue(EventStore* store, size_t max_batch = 1024);
  ~WriteQueue();  // Stop()s

  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Thread-safe. After Stop(), `done` gets kUnavailable at once.
  void Submit(EventStore::Work work, Done done);

  // Submits and waits for the outcome. Must not be called from the writer thread.
  Status Run(EventStore::Work work);

  // Runs what is queued, then joins the writer. Idempotent.
  void Stop();

 private:
  struct Item {
    EventStore::Work work;
    Done done;
  };
  void Loop();

  EventStore* store_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace emm::storage
