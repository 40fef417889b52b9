// Group commit. Requests hand their unit of work to one writer thread, which runs whatever has
// queued up as one batch: one transaction for many requests. A second thread then makes the
// committed batches durable (EventStore::Sync, one fsync for all batches committed meanwhile)
// while the writer runs the next batch. Each request is told its outcome only after that sync, so
// an acknowledged write is on disk.
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
  // Called on the sync thread once the batch holding the work is durable (or failed).
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

  // Runs and syncs what is queued, then joins both threads. Idempotent.
  void Stop();

 private:
  struct Item {
    EventStore::Work work;
    Done done;
  };
  struct Committed {
    std::vector<Status> results;
    std::vector<Done> dones;
  };
  void WriteLoop();
  void SyncLoop();

  EventStore* store_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<Committed> committed_;
  bool writer_done_ = false;

  std::thread writer_;
  std::thread syncer_;
};

}  // namespace emm::storage
