// One consistent snapshot for a read that takes several queries (a listing and its count, the
// DORA facts' groups and ranges): every query sees the same commit, whatever the writer commits
// meanwhile. A backend's read connection says how to open and end a read transaction;
// WithSnapshot brackets a read with them, so every backend and every read does it the same way.
#pragma once

#include "common/status.h"

namespace emm::storage {

// A connection that can hold a read transaction. Used by one thread at a time, as its connection.
class SnapshotConnection {
 public:
  // Every query from here to EndSnapshot sees the same commit (SQLite: BEGIN, a deferred read
  // transaction over WAL; PostgreSQL: BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY).
  virtual Status BeginSnapshot() = 0;
  // Ends it: `read_ok` false after a failed read, so a backend may roll back instead.
  virtual Status EndSnapshot(bool read_ok) = 0;

 protected:
  ~SnapshotConnection() = default;
};

// Runs `read` (returning a Status or a Result<T>) inside one snapshot of `c` and returns what it
// returned; an error ending the snapshot is returned only when the read itself succeeded. The
// snapshot is ended if `read` throws, so a pooled connection never goes back with one open.
template <typename Read>
auto WithSnapshot(SnapshotConnection& c, Read&& read) -> decltype(read()) {
  EMM_RETURN_IF_ERROR(c.BeginSnapshot());
  auto result = [&] {
    try {
      return read();
    } catch (...) {
      (void)c.EndSnapshot(false);
      throw;
    }
  }();
  Status end = c.EndSnapshot(result.ok());
  if (!result.ok()) return result;
  if (!end.ok()) return end;
  return result;
}

}  // namespace emm::storage
