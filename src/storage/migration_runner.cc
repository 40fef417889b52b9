#include "storage/migration_runner.h"

#include "common/log.h"

namespace emm::storage {

Result<MigrationOutcome> RunMigrations(MigrationDialect& dialect,
                                       std::span<const MigrationStep> steps,
                                       const std::string& database, const Clock& clock) {
  Result<bool> node = dialect.CreatedByNodeJs();
  if (!node.ok()) return node.status();
  if (*node) {
    return Status::FailedPrecondition(
        database +
        " was created by the Node.js em-metrics (it has db_migrations): its dates are free text "
        "and its schema differs; " +
        dialect.NewDatabaseHint());
  }

  EMM_RETURN_IF_ERROR(dialect.EnsureVersionTable());
  Result<int> current = dialect.AppliedVersion();
  if (!current.ok()) return current.status();
  MigrationOutcome out;
  out.schema_version = steps.empty() ? 0 : steps.back().version;
  if (*current > out.schema_version) {
    return Status::FailedPrecondition("database schema version " + std::to_string(*current) +
                                      " is newer than this em-metrics (" +
                                      std::to_string(out.schema_version) + "): upgrade em-metrics");
  }
  for (const MigrationStep& m : steps) {
    if (m.version <= *current) continue;
    EMM_RETURN_IF_ERROR(dialect.Begin());
    Status s = dialect.ApplyStep(m);
    if (s.ok()) s = dialect.RecordStep(m, clock.NowMs());
    if (s.ok()) s = dialect.Commit();
    if (!s.ok()) {
      dialect.Rollback();
      return Status::Internal("migration " + std::to_string(m.version) + " (" + m.name +
                              ") failed: " + s.message());
    }
    out.applied.push_back(m.version);
    log::Info("migration applied", {{"version", m.version}, {"name", m.name}});
  }
  return out;
}

}  // namespace emm::storage
