#include "common/worker_pool.h"

#include <pthread.h>

#include <algorithm>

namespace emm {

WorkerPool::WorkerPool(std::string name, int threads) : name_(name.substr(0, 15)) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    workers_.emplace_back([this, i] { Work(static_cast<size_t>(i)); });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Submit(Job job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(job));
  cv_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

void WorkerPool::Work(size_t index) {
  pthread_setname_np(pthread_self(), name_.c_str());
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(index);
  }
}

}  // namespace emm
