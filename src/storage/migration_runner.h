// The schema migration runner every backend shares: the version it finds, the databases it
// refuses (the Node.js original's, one newer than this binary), the numbered steps it applies in
// order, each in its own transaction with its version record, and the log line of each. A backend
// gives its steps (its SQL) and a MigrationDialect (how to read and write the version table).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"

namespace emm::storage {

// One numbered schema change. A released step is never edited: add one. Versions are 1, 2, 3, ...
// in the order listed.
struct MigrationStep {
  int version;
  const char* name;
  const char* sql;  // in the backend's dialect; may hold several statements
};

// What the runner needs of one open database. Called from one thread, the one running the
// migrations; Begin..Commit/Rollback bracket each step, nothing else runs in between.
class MigrationDialect {
 public:
  virtual ~MigrationDialect() = default;
  // True when the database holds the Node.js original's migration table and not ours.
  virtual Result<bool> CreatedByNodeJs() = 0;
  // How a user starts over with a new database (the end of the Node.js refusal's message).
  virtual std::string NewDatabaseHint() const = 0;
  // Creates the version table (version, name, applied_at) when it is missing.
  virtual Status EnsureVersionTable() = 0;
  // The highest version recorded, 0 for none.
  virtual Result<int> AppliedVersion() = 0;
  // A write transaction that keeps every other writer (and migrator) out until Commit or Rollback.
  virtual Status Begin() = 0;
  virtual Status ApplyStep(const MigrationStep& step) = 0;
  virtual Status RecordStep(const MigrationStep& step, TimeMs applied_at) = 0;
  virtual Status Commit() = 0;
  // Best effort: called after a failure inside the transaction.
  virtual void Rollback() = 0;
};

struct MigrationOutcome {
  std::vector<int> applied;  // the versions applied now, in order
  int schema_version = 0;    // the latest step's version: what the database is at afterwards
};

// Brings the database up to the last of `steps`. `database` names it in error messages (a path).
// A failing step is rolled back, leaving the version where the previous step put it (kInternal);
// a newer or Node.js database is refused untouched (kFailedPrecondition).
Result<MigrationOutcome> RunMigrations(MigrationDialect& dialect,
                                       std::span<const MigrationStep> steps,
                                       const std::string& database,
                                       const Clock& clock = SystemClock::Instance());

}  // namespace emm::storage
