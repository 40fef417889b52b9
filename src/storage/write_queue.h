// Group commit. Requests hand their unit of work to one writer thread, which runs whatever has
// queued up as one batch: one transaction for many requests. A second thread then makes the
// committed batches durable (EventStore::Sync, one fsync for all batches committed meanwhile)
// while the writer runs the next batch. Each request is told its outcome only after that sync, so
// an acknowledged write is on disk.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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

  // Where acknowledged writes spend their time, cumulative since the queue started (exposed on
  // /metrics as em_metrics_write_*): divide by the counts for averages. Thread-safe.
  struct Stats {
    uint64_t batches = 0;          // transactions the writer ran
    uint64_t items = 0;            // units of work in them
    uint64_t syncs = 0;            // Sync() calls, each covering every batch committed before it
    double queued_seconds = 0;     // per item: Submit until its batch started
    double batch_seconds = 0;      // per batch: running it (SQL and commit)
    double sync_wait_seconds = 0;  // per batch: committed until the sync covering it started
    double sync_seconds = 0;       // per sync: Sync() itself (the fdatasync)
  };
  Stats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Item {
    EventStore::Work work;
    Done done;
    Clock::time_point queued;
  };
  struct Committed {
    std::vector<Status> results;
    std::vector<Done> dones;
    Clock::time_point committed;
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

  // Stats; nanoseconds for the times.
  std::atomic<uint64_t> batches_{0}, items_{0}, syncs_{0};
  std::atomic<uint64_t> queued_ns_{0}, batch_ns_{0}, sync_wait_ns_{0}, sync_ns_{0};

  std::thread writer_;
  std::thread syncer_;
};

}  // namespace emm::storage
