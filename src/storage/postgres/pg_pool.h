// A bounded pool of PostgreSQL connections. At most `size` exist at once; Acquire waits up to
// the timeout for one and then answers kUnavailable (a 503 to the client), never hangs. A
// connection found broken (when acquired or when given back) is discarded, and the next Acquire
// opens a new one: after the server restarts, the pool recovers by itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

struct PgPoolOptions {
  std::string url;
  size_t size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
};

class PgPool {
 public:
  // A connection lent by the pool, given back when the lease ends. A connection left inside a
  // transaction is rolled back before it is lent again.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // No connection is opened here: the first Acquire does (so a server down at start-up is a
  // kUnavailable answer later, not a failure now). A bad URL is reported by Acquire as
  // kInvalidArgument.
  explicit PgPool(PgPoolOptions options);
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;
  ~PgPool();  // every Lease must have ended

  Result<Lease> Acquire();

  // For tests and metrics: connections open now (lent or idle), and how many were discarded.
  size_t open() const;
  size_t discarded() const;

 private:
  void Return(std::unique_ptr<PgConnection> conn);

  const PgPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;  // lent + idle + being opened
  size_t discarded_ = 0;
};

}  // namespace emm::storage::postgres
