// What the fill harnesses share (dora_fill.cc, team_health_fill.cc): the store they write through
// (a SQLite file, or a PostgreSQL database given as a postgres:// URL) and one unit of work run
// as its own batch.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "common/log.h"
#include "storage/open_store.h"

namespace emm::bench {

inline bool IsDatabaseUrl(const std::string& target) {
  return target.starts_with("postgres://") || target.starts_with("postgresql://");
}

// The store at `target`, migrated: a postgres:// URL, else a SQLite file without fsyncs (a bench
// database is thrown away). Logs warnings only; null after printing why it cannot be opened.
inline std::unique_ptr<storage::EventStore> OpenFillStore(const std::string& target) {
  log::Configure(log::Level::kWarn);
  storage::StoreChoice choice;
  if (IsDatabaseUrl(target)) {
    choice.backend = storage::Backend::kPostgres;
    choice.postgres.url = target;
    choice.postgres.pool_size = 2;
  } else {
    choice.sqlite.path = target;
    choice.sqlite.full_sync = false;
  }
  auto opened = storage::OpenEventStore(choice);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return nullptr;
  }
  return std::move(opened->store);
}

// Where a fill writes a file beside its database (the teams config): TARGET + suffix for a
// SQLite file; for a URL, $FILL_SIDECAR + suffix (required: a URL is no place for files).
inline std::string SidecarPath(const std::string& target, const char* suffix) {
  if (!IsDatabaseUrl(target)) return target + suffix;
  const char* base = std::getenv("FILL_SIDECAR");
  return std::string(base ? base : "fill") + suffix;
}

// Runs `work` as one batch; false after printing why it failed.
inline bool RunWork(storage::EventStore& store, storage::EventStore::Work work) {
  Status s = store.RunBatch(std::span(&work, 1)).front();
  if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return s.ok();
}

}  // namespace emm::bench
