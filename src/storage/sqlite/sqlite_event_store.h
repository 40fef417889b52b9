// EventStore on an embedded SQLite file: WAL, prepared statements, numbered migrations applied
// on open. One write connection (driven by the WriteQueue) and a small pool of read connections,
// which WAL lets run beside the writer.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.h"
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
  // The WAL is checkpointed once it holds this many pages (16 MiB at the default page size), by
  // the writer between two batches: never beside a commit (docs/storage.md, "Checkpoints"). A
  // larger log means fewer copies of the same hot pages; a smaller one shorter pauses. 0: this
  // store never checkpoints (one-shot commands beside a running server leave it to the server).
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
  // Checkpoints run so far (each one on the writer, between two batches). Thread-safe.
  uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

  std::vector<Status> RunBatch(std::span<const Work> work) override;
  Status Sync() override;
  Result<std::optional<domain::Deployment>> GetDeployment(std::string_view id) override;
  Result<std::vector<domain::Deployment>> ListDeployments(const DeploymentQuery& q) override;
  Result<std::optional<domain::Incident>> GetIncident(std::string_view id) override;
  Result<std::vector<domain::Incident>> ListIncidents(const IncidentQuery& q) override;
  Result<std::optional<domain::PullRequest>> GetPullRequest(std::string_view id) override;
  Result<std::vector<domain::PullRequest>> ListPullRequests(const PullRequestQuery& q) override;
  Result<std::optional<domain::Ticket>> GetTicket(std::string_view id) override;
  Result<std::vector<domain::Ticket>> ListTickets(const TicketQuery& q) override;
  Result<TicketHistory> GetTicketHistory(std::string_view id) override;
  Result<std::vector<domain::Ticket>> LoadTicketsForStats(const TicketStatsQuery& q) override;
  Result<std::vector<domain::SeriesState>> ListSeries() override;
  Result<std::vector<domain::ExportMark>> ListExportMarks() override;
  // The SQL of the listings above: event_queries.cc and ticket_queries.cc; of the DORA reads:
  // dora_queries.cc.
  Result<domain::DoraEvents> LoadDoraEvents(const DoraQuery& q) override;
  Result<domain::DoraFacts> LoadDoraFacts(const DoraQuery& q) override;
  Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
      const DoraQuery& q) override;
  Result<std::vector<domain::Deployment>> ListUndeployed(const DoraQuery& q, int64_t offset,
                                                         int64_t limit) override;
  // The reads themselves: team_health_queries.cc.
  Result<domain::TeamHealthFacts> LoadTeamHealthFacts(const TeamHealthQuery& q) override;

 private:
  SqliteEventStore() = default;

  static void LogLibraryVersion();
  // On the writer thread, before a batch: a PASSIVE checkpoint once the log has grown enough.
  void CheckpointIfDue();

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

  // Writer thread only: the log's size in frames after the last commit (from the wal_hook), and
  // the size at which the next checkpoint is due.
  int wal_pages_ = 0;
  int next_checkpoint_pages_ = 0;
  std::atomic<uint64_t> checkpoints_{0};
  // A full disk fails every batch and every checkpoint until space returns: one line per interval.
  log::RateLimitedLog write_failures_{{"write batch failed", "writes succeed again",
                                       log::Level::kError}};
  log::RateLimitedLog checkpoint_failures_{{"checkpoint failed", "checkpoints succeed again"}};
  // The largest number of deployments a DORA read returned: the next one reserves that much, so
  // a repeated dashboard query fills its vector without regrowing it (each regrowth of a large
  // vector is fresh pages from the kernel, given main's mallopt).
  std::atomic<size_t> dora_rows_hint_{0};
};

}  // namespace emm::storage
