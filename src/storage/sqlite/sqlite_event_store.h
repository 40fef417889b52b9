// EventStore on an embedded SQLite file: WAL, prepared statements, numbered migrations applied
// on open. One write connection (driven by the WriteQueue) and a small pool of read connections,
// which WAL lets run beside the writer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/event_store.h"

namespace emm::storage {

struct SqliteOptions {
  std::string path;  // created (with its parent directory) if missing
  // true: Sync() fsyncs the write-ahead log, so a write acknowledged after Sync() survives power
  // loss. false: Sync() does nothing; the last commits can be lost on power loss (never on a
  // process crash). Commits themselves never wait for the disk (synchronous=NORMAL in WAL mode).
  bool full_sync = true;
  int read_connections = 4;
  int busy_timeout_ms = 5000;
  // The WAL is checkpointed by a background thread once it holds this many pages (16 MiB at the
  // default page size); the writer's commits never run a checkpoint themselves. Measured with
  // bench/run_load.sh: a checkpoint inside a commit stalled acknowledgements for up to a second,
  // and a larger log means fewer copies of the same hot pages. Past four times this, the writer
  // restarts the log itself before its next batch, whatever the background thread does, so the
  // log file never grows past about 4x this plus one batch.
  int checkpoint_pages = 4000;
};

class SqliteConnection;

class SqliteEventStore final : public EventStore {
 public:
  // Opens (creating if needed) and migrates the database.
  static Result<std::unique_ptr<SqliteEventStore>> Open(const SqliteOptions& options);
  ~SqliteEventStore() override;

  // Versions of the migrations applied by Open (empty when the schema was current).
  const std::vector<int>& applied_migrations() const { return applied_; }
  int schema_version() const { return schema_version_; }

  std::vector<Status> RunBatch(std::span<const Work> work) override;
  Status Sync() override;
  Result<std::optional<domain::Deployment>> GetDeployment(std::string_view id) override;
  Result<std::vector<domain::Deployment>> ListDeployments(const DeploymentQuery& q) override;
  Result<std::optional<domain::Incident>> GetIncident(std::string_view id) override;
  Result<std::vector<domain::Incident>> ListIncidents(const IncidentQuery& q) override;
  Result<std::vector<domain::SeriesState>> ListSeries() override;
  Result<std::vector<domain::ExportMark>> ListExportMarks() override;
  Result<domain::DoraEvents> LoadDoraEvents(const DoraQuery& q) override;
  Result<domain::DoraFacts> LoadDoraFacts(const DoraQuery& q) override;
  Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
      const DoraQuery& q) override;
  Result<std::vector<domain::Deployment>> ListUndeployed(const DoraQuery& q, int64_t offset,
                                                         int64_t limit) override;

 private:
  SqliteEventStore() = default;

  void OnWalGrew(int pages);
  void CheckpointLoop();
  // On the writer thread, between batches: a RESTART checkpoint, so the next commit reuses the
  // log from its start.
  void RestartLog();

  // A read connection for the duration of one call.
  class Lease;
  Lease Acquire();
  void Release(std::unique_ptr<SqliteConnection> c);

  SqliteOptions options_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> pool_;
  std::vector<int> applied_;
  int schema_version_ = 0;
  int wal_fd_ = -1;  // our own descriptor of <path>-wal, for fdatasync; owned by Sync()
  unsigned long wal_inode_ = 0;

  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  // The largest number of deployments a DORA read returned: the next one reserves that much, so
  // a repeated dashboard query fills its vector without regrowing it (each regrowth of a large
  // vector is fresh pages from the kernel, given main's mallopt).
  std::atomic<size_t> dora_rows_hint_{0};
  std::atomic<bool> restart_wanted_{false};  // set by the checkpoint thread, done by the writer
  std::mutex checkpoint_run_mu_;             // held while a checkpoint runs (never two at once)
  bool checkpoint_stop_ = false;
  std::thread checkpointer_;
};

}  // namespace emm::storage
