// What the fill harnesses share (dora_fill.cc, team_health_fill.cc): the store they write through
// and one unit of work run as its own batch.
#pragma once

#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "common/log.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace emm::bench {

// The store at `path` without fsyncs (a bench database is thrown away), logging warnings only; null
// after printing why it cannot be opened.
inline std::unique_ptr<storage::SqliteEventStore> OpenFillStore(const std::string& path) {
  log::Configure(log::Level::kWarn);
  storage::SqliteOptions o;
  o.path = path;
  o.full_sync = false;
  auto store = storage::SqliteEventStore::Open(o);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*store);
}

// Runs `work` as one batch; false after printing why it failed.
inline bool RunWork(storage::EventStore& store, storage::EventStore::Work work) {
  Status s = store.RunBatch(std::span(&work, 1)).front();
  if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return s.ok();
}

}  // namespace emm::bench
