// Copying one EventStore into another (`em-metrics copy`, docs/operations.md): every record, the
// metric state and the export marks, written through the target's domain::Transaction in batches,
// so any backend can be either side. Resumable: a record the target holds already is skipped (or,
// when only what a transition changes differs, updated), so a run after an interruption ends
// equal to an uninterrupted one. VerifyCopy then compares the two stores.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/event_store.h"

namespace emm::storage {

struct CopyOptions {
  // Records per target transaction (one RunBatch item, one commit). Larger batches write each
  // index page again less often: on a SQLite target, 10,000 took 40% less CPU than 1,000
  // (bench/copy.sh, 200,000 deployments); a killed copy loses at most one batch.
  int64_t batch = 10000;
};

// What happened to one table's records. read = inserted + updated + unchanged.
struct CopyTableCounts {
  std::string table;  // the SQL table's name: "deployments", "metric_series", ...
  int64_t read = 0;   // in the source
  int64_t inserted = 0;
  int64_t updated = 0;    // present with other transitions (or, tickets, another state)
  int64_t unchanged = 0;  // present and equal: copied by an earlier run
};

struct CopyReport {
  std::vector<CopyTableCounts> tables;  // in copy order
  // What the source could not list, so it was not copied ("deployment_aliases: ...").
  std::vector<std::string> left_out;
  // The span of the source's deployments and incidents (deployed_at, started_at, restored_at),
  // [from, to); from == to when it has none. VerifyCopy compares the DORA figures over it.
  TimeMs from = 0;
  TimeMs to = 0;
};

// Called after each committed target batch with the table's counts so far (the copy's thread).
using CopyProgress = std::function<void(const CopyTableCounts&)>;

// Copies `from` into `to`. The source is read inside one unit of work of its own (one snapshot;
// it writes nothing), the target written in batches of options.batch records, each committed
// before the next is read. Records (deployments, incidents, pull requests) are matched by id: a
// present record whose immutable fields differ is not overwritten; the copy stops with
// kAlreadyExists naming it. Reviews and ticket changes have no id: one equal in every field to a
// target row not matched yet counts as present. Aliases are put again when they name another
// deployment; a delivery the target refuses as recorded counts as present. Series and export
// marks are put as they are. Aliases and deliveries a source cannot list (kUnimplemented) are
// named in left_out, not copied.
// REQUIRES: nothing else writes either store meanwhile (the copy is the target's writer).
Result<CopyReport> CopyEvents(EventStore& from, EventStore& to, const CopyOptions& options,
                              const CopyProgress& progress = nullptr);

// One compared figure: a table's row count or a DORA figure, as printed.
struct CopyCheck {
  std::string name;  // "deployments", "dora.lead_time_for_changes.median", ...
  std::string source;
  std::string target;
  bool equal = true;
  bool checked = true;  // false: a store cannot list that table (equal says nothing then)
};

struct CopyVerification {
  std::vector<CopyCheck> checks;
  bool ok() const;
};

// Counts every table in both stores (full scans through domain::Transaction, inside one unit of
// work each; aliases and deliveries unchecked when a store cannot list them), and compares the DORA
// figures of [report.from, report.to) over all projects, and per project, from LoadDoraFacts and
// domain::ComputeDora. Durations and ratios compare to a relative 1e-9 (a backend may sum in
// another order).
Result<CopyVerification> VerifyCopy(EventStore& from, EventStore& to, const CopyReport& report);

}  // namespace emm::storage
