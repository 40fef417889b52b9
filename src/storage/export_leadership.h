// Which process pushes the metric state to the collector. Replicas on one shared database hold
// one metric state: if each pushed it, the collector would see every series once per replica. So
// exactly one leads at a time (PostgreSQL: postgres/pg_export_leader.h); a database only one
// process serves (SQLite) has that process as its sole exporter.
#pragma once

namespace emm::storage {

class ExportLeadership {
 public:
  virtual ~ExportLeadership() = default;
  // Whether this process leads now; one that does not tries to become the leader. Called before
  // each export, so a replica takes over within one export interval of the leader's end. May
  // block for a database round trip. Not thread-safe: the exporter's thread calls it.
  virtual bool IsLeader() = 0;
};

// SQLite: only this process writes the file, so it always exports.
class SoleExporter final : public ExportLeadership {
 public:
  bool IsLeader() override { return true; }
};

}  // namespace emm::storage
