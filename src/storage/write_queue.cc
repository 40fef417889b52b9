#include "storage/write_queue.h"

#include <pthread.h>

#include <future>
#include <vector>

namespace emm::storage {

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
      queue_.push_back({std::move(work), std::move(done)});
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
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      while (!queue_.empty() && works.size() < max_batch_) {
        works.push_back(std::move(queue_.front().work));
        dones.push_back(std::move(queue_.front().done));
        queue_.pop_front();
      }
    }
    std::vector<Status> results = store_->RunBatch(works);
    results.resize(dones.size(), Status::Internal("store returned too few results"));
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      committed_.push_back({std::move(results), std::move(dones)});
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
    Status synced = store_->Sync();
    for (Committed& c : ready) {
      for (size_t i = 0; i < c.dones.size(); ++i) {
        c.dones[i](synced.ok() || !c.results[i].ok() ? std::move(c.results[i]) : synced);
      }
    }
    ready.clear();
  }
}

}  // namespace emm::storage
