#include "storage/series_cache.h"

#include <string>
#include <utility>

namespace emm::storage {

using domain::SeriesKey;
using domain::SeriesState;

size_t SeriesCache::KeyHash::operator()(const SeriesKey& k) const {
  std::hash<std::string> h;
  size_t x = h(k.metric);
  for (const std::string* part : {&k.project_id, &k.team_id, &k.environment, &k.ticket_type}) {
    x = x * 1099511628211u ^ h(*part);
  }
  return x;
}

std::optional<std::optional<SeriesState>> SeriesCache::Known(const SeriesKey& key) const {
  if (!active_) return std::nullopt;
  if (auto it = cache_.find(key); it != cache_.end()) return std::optional(it->second.state);
  if (cleared_) return std::optional<SeriesState>();
  return std::nullopt;
}

void SeriesCache::Loaded(const SeriesKey& key, const SeriesState& state, int64_t row_id) {
  if (active_) cache_.emplace(key, Entry{state, row_id});
}

void SeriesCache::Put(const SeriesState& st) {
  auto it = cache_.find(st.key);
  const bool was_dirty = dirty_.count(st.key) > 0;
  if (it == cache_.end()) {
    undo_.push_back(Undo{st.key, std::nullopt, was_dirty});
    cache_.emplace(st.key, Entry{st, 0});
  } else {
    undo_.push_back(Undo{st.key, it->second, was_dirty});
    it->second.state = st;
  }
  dirty_.insert(st.key);
}

void SeriesCache::Clear() {
  // Rare (rebuild-metrics): remember the whole cache so a rollback can restore it.
  clear_undo_.push_back({cache_, dirty_, cleared_, undo_.size()});
  cache_.clear();
  dirty_.clear();
  cleared_ = true;
}

void SeriesCache::BeginItem() {
  undo_.clear();
  clear_undo_.clear();
}

void SeriesCache::RollbackItem() {
  for (size_t i = undo_.size(); i-- > 0;) {
    // Replay clears in reverse order with the puts that came after them.
    while (!clear_undo_.empty() && clear_undo_.back().undo_mark > i) RestoreClear();
    Undo& u = undo_[i];
    if (u.previous) {
      cache_.insert_or_assign(u.key, std::move(*u.previous));
    } else {
      cache_.erase(u.key);
    }
    if (!u.was_dirty) dirty_.erase(u.key);
  }
  while (!clear_undo_.empty()) RestoreClear();
  undo_.clear();
}

Status SeriesCache::ForEachDirty(const std::function<Status(Entry&)>& write) {
  for (const SeriesKey& key : dirty_) EMM_RETURN_IF_ERROR(write(cache_.at(key)));
  return Status::Ok();
}

void SeriesCache::EndBatch(bool committed) {
  if (!committed) cache_.clear();  // the database no longer matches: reload on demand
  dirty_.clear();
  cleared_ = false;
  undo_.clear();
  clear_undo_.clear();
  // Bound memory: the cache is a convenience, the database is the truth.
  if (cache_.size() > kMaxCachedSeries) cache_.clear();
}

void SeriesCache::RestoreClear() {
  ClearUndo& c = clear_undo_.back();
  cache_ = std::move(c.cache);
  dirty_ = std::move(c.dirty);
  cleared_ = c.cleared;
  clear_undo_.pop_back();
}

}  // namespace emm::storage
