#include "storage/write_queue.h"

#include <pthread.h>

#include <future>
#include <vector>

namespace emm::storage {
namespace {

uint64_t Nanos(std::chrono::steady_clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

double Seconds(const std::atomic<uint64_t>& ns) { return static_cast<double>(ns.load()) / 1e9; }

}  // namespace

WriteQueue::WriteQueue(EventStore* store, size_t max_batch)
    : store_(store),
      max_batch_(max_batch),
      writer_([this] { WriteLoop(); }),
      syncer_([this] { SyncLoop(); }) {}

WriteQueue::~WriteQueue() { Stop(); }

void WriteQueue::Submit(EventStore::Work work, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(work), std::move(done), Clock::now()});
      cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the server is shutting down"));
}

Status WriteQueue::Run(EventStore::Work work) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Submit(std::move(work), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

void WriteQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  if (syncer_.joinable()) syncer_.join();
}

void WriteQueue::WriteLoop() {
  pthread_setname_np(pthread_self(), "emm-writer");
  std::vector<EventStore::Work> works;
  std::vector<Done> dones;
  for (;;) {
    Clock::time_point started;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      started = Clock::now();
      uint64_t queued = 0;
      while (!queue_.empty() && works.size() < max_batch_) {
        queued += Nanos(started - queue_.front().queued);
        works.push_back(std::move(queue_.front().work));
        dones.push_back(std::move(queue_.front().done));
        queue_.pop_front();
      }
      queued_ns_ += queued;
    }
    std::vector<Status> results = store_->RunBatch(works);
    results.resize(dones.size(), Status::Internal("store returned too few results"));
    const Clock::time_point committed = Clock::now();
    batch_ns_ += Nanos(committed - started);
    items_ += works.size();
    ++batches_;
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      committed_.push_back({std::move(results), std::move(dones), committed});
      sync_cv_.notify_one();
    }
    works.clear();
    dones.clear();
  }
  std::lock_guard<std::mutex> lock(sync_mu_);
  writer_done_ = true;
  sync_cv_.notify_one();
}

void WriteQueue::SyncLoop() {
  pthread_setname_np(pthread_self(), "emm-sync");
  std::deque<Committed> ready;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;  // the writer has finished and everything is answered
      ready.swap(committed_);
    }
    // One sync covers every batch committed before it.
    const Clock::time_point sync_start = Clock::now();
    for (const Committed& c : ready) sync_wait_ns_ += Nanos(sync_start - c.committed);
    Status synced = store_->Sync();
    sync_ns_ += Nanos(Clock::now() - sync_start);
    ++syncs_;
    for (Committed& c : ready) {
      for (size_t i = 0; i < c.dones.size(); ++i) {
        c.dones[i](synced.ok() || !c.results[i].ok() ? std::move(c.results[i]) : synced);
      }
    }
    ready.clear();
  }
}

WriteQueue::Stats WriteQueue::stats() const {
  Stats s;
  s.batches = batches_.load();
  s.items = items_.load();
  s.syncs = syncs_.load();
  s.queued_seconds = Seconds(queued_ns_);
  s.batch_seconds = Seconds(batch_ns_);
  s.sync_wait_seconds = Seconds(sync_wait_ns_);
  s.sync_seconds = Seconds(sync_ns_);
  return s;
}

}  // namespace emm::storage
