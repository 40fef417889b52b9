#include "storage/postgres/pg_pool.h"

#include <utility>

namespace emm::storage::postgres {

PgPool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}

PgPool::Lease::~Lease() {
  if (conn_) pool_->Return(std::move(conn_));
}

PgPool::PgPool(PgPoolOptions options) : options_(std::move(options)) {}

PgPool::~PgPool() = default;

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      // Looking costs one poll(): no round trip to the server.
      if (!conn->Broken()) return Lease(this, std::move(conn));
      --open_;
      ++discarded_;
    }
    if (open_ < options_.size) break;
    if (!freed_.wait_until(lock, deadline,
                           [&] { return !idle_.empty() || open_ < options_.size; })) {
      return Status::Unavailable("no database connection came free within " +
                                 std::to_string(options_.acquire_timeout.count()) + " ms (all " +
                                 std::to_string(options_.size) + " in use)");
    }
  }
  // A slot is ours: open the connection without holding the lock (a connect can take seconds).
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Open(options_.url);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    freed_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  // Rolled back outside the lock: it is a round trip.
  if (!conn->Broken() && conn->InTransaction()) (void)conn->Rollback();
  bool keep = !conn->Broken() && !conn->InTransaction();
  if (!keep) conn.reset();
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    ++discarded_;
  }
  freed_.notify_one();
}

size_t PgPool::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

size_t PgPool::discarded() const {
  std::lock_guard lock(mu_);
  return discarded_;
}

}  // namespace emm::storage::postgres
