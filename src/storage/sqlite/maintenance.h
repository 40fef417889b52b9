// Operators' tools for the SQLite file: an integrity check and an online, consistent backup.
// Both are safe while a server keeps writing to the same file: they only read it, through a
// connection that never checkpoints (docs/storage.md, "Checkpoints").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace emm::storage::sqlite {

struct CheckReport {
  // What SQLite found, at most `max_problems` of them; empty when the file is intact.
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// PRAGMA integrity_check (or quick_check: no index-content cross-check, much faster) of the
// database at `path`. A file that cannot be opened, or is no database, is an error Status
// (kNotFound, kDataLoss); damage the check itself reports is in the CheckReport.
Result<CheckReport> CheckDatabase(const std::string& path, bool quick, int max_problems = 20);

struct BackupReport {
  int64_t bytes = 0;       // size of the copy
  int64_t deployments = 0; // rows in the copy, as a sanity figure for the log
  int64_t incidents = 0;
};

// Copies the database at `path` into `dest` as one consistent snapshot (VACUUM INTO, one read
// transaction: writers go on meanwhile), syncs it, checks it with integrity_check, and only then
// gives it its name: a failed backup never leaves a file called `dest`. `dest` must not exist
// (kAlreadyExists) and its directory must (kNotFound).
Result<BackupReport> BackupDatabase(const std::string& path, const std::string& dest);

}  // namespace emm::storage::sqlite
