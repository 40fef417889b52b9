// The single writer's per-batch cache of metric series (domain::Transaction's FindSeries,
// PutSeries, ClearSeries), backend-neutral: repeated samples of one series within a batch cost
// one read and, at the end of the batch, one row write instead of a read and a write each. A
// failed item's changes are undone with it (its SAVEPOINT is rolled back, so must the cache be).
// The backends do the SQL: SqliteConnection and PgWriteTransaction.
//
//   Begin() once the batch's transaction is open; per item BeginItem(), and RollbackItem() when
//   the item failed; before COMMIT write cleared() (delete every row first) and ForEachDirty();
//   after COMMIT or ROLLBACK EndBatch(committed).
//
// Whether entries outlive their batch is the backend's call: SQLite keeps them while no other
// connection committed (PRAGMA data_version); PostgreSQL drops them (another replica may have
// written since), see Drop().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "domain/metrics.h"

namespace emm::storage {

class SeriesCache {
 public:
  struct Entry {
    domain::SeriesState state;
    int64_t row_id;  // the backend's handle to the row (SQLite's rowid); 0: not known
  };

  // Caching starts with the first batch; outside one (never begun) the backend reads and writes
  // through.
  void Begin() { active_ = true; }
  bool active() const { return active_; }

  // What the cache knows of `key`: the state, or that there is none (the series were cleared in
  // this batch); nullopt when the backend must read the row (then Loaded()).
  std::optional<std::optional<domain::SeriesState>> Known(const domain::SeriesKey& key) const;
  void Loaded(const domain::SeriesKey& key, const domain::SeriesState& state, int64_t row_id);
  void Put(const domain::SeriesState& state);
  void Clear();
  bool cleared() const { return cleared_; }

  void BeginItem();
  void RollbackItem();

  // The series changed in this batch, for the flush; `write` may set the entry's row_id.
  Status ForEachDirty(const std::function<Status(Entry&)>& write);
  void EndBatch(bool committed);
  // Forgets every entry (the database changed under the cache).
  void Drop() { cache_.clear(); }

 private:
  static constexpr size_t kMaxCachedSeries = 100000;

  struct KeyHash {
    size_t operator()(const domain::SeriesKey& k) const;
  };
  using Cache = std::unordered_map<domain::SeriesKey, Entry, KeyHash>;
  using KeySet = std::unordered_set<domain::SeriesKey, KeyHash>;
  struct Undo {
    domain::SeriesKey key;
    std::optional<Entry> previous;
    bool was_dirty;
  };
  struct ClearUndo {
    Cache cache;
    KeySet dirty;
    bool cleared;
    size_t undo_mark;  // undo_.size() when the clear happened
  };

  void RestoreClear();

  bool active_ = false;
  bool cleared_ = false;
  Cache cache_;
  KeySet dirty_;
  std::vector<Undo> undo_;
  std::vector<ClearUndo> clear_undo_;
};

}  // namespace emm::storage
