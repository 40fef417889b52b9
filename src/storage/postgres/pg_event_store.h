// EventStore on PostgreSQL (docs/storage.md, docs/postgresql.md): several replicas may share
// one database. Open migrates (pg_migrations.h), then every call leases a connection of a bounded
// pool (pg_pool.h). Writes: one transaction per batch under a transaction-level advisory lock, so
// the domain commands run one batch at a time across replicas as on SQLite's single writer
// (pg_write_transaction.h). Reads: the records by id, the listings, the DORA reads
// (pg_dora_queries.h), the pull request, ticket and team-health reads (pg_team_health_queries.h,
// pg_ticket_queries.h), ticket histories, the metric state and the export marks, each multi-query
// read in one snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/event_store.h"
#include "storage/postgres/pg_open.h"  // PgStoreOptions
#include "storage/postgres/pg_pool.h"

namespace emm::storage::postgres {

// The key of the transaction-level advisory lock every write batch takes first: any fixed number
// of our own, other than kMigrationLockKey (pg_migrations.h) and kExportLeaderLockKey
// (pg_export_leader.h).
inline constexpr int64_t kWriteLockKey = 0x656d6d5f777269;  // "emm_wri"

class PgEventStore final : public EventStore {
 public:
  // A server that cannot be reached is kUnavailable (the caller decides whether to wait and
  // retry); a malformed URL kInvalidArgument; a newer or foreign schema kFailedPrecondition.
  static Result<std::unique_ptr<PgEventStore>> Open(const PgStoreOptions& options);

  // Versions of the migrations applied by Open (empty when the schema was current).
  const std::vector<int>& applied_migrations() const { return applied_; }
  int schema_version() const { return schema_version_; }

  // One transaction: BEGIN, the write lock, a SAVEPOINT per item (a failed item is rolled back
  // alone), one COMMIT (durable: synchronous_commit is on, so Sync() has nothing to do). A lost
  // connection, or a COMMIT whose outcome is unknown, is kUnavailable for every item.
  std::vector<Status> RunBatch(std::span<const Work> work) override;

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
  Result<domain::DoraEvents> LoadDoraEvents(const DoraQuery& q) override;
  Result<domain::DoraFacts> LoadDoraFacts(const DoraQuery& q) override;
  Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
      const DoraQuery& q) override;
  Result<domain::TeamHealthFacts> LoadTeamHealthFacts(const TeamHealthQuery& q) override;
  Result<std::vector<domain::Deployment>> ListUndeployed(const DoraQuery& q, int64_t offset,
                                                         int64_t limit) override;

 private:
  // A batch runs as transactions of at most this many items. Each item's savepoint that writes
  // gets a subtransaction id, and PostgreSQL caches 64 of them per transaction
  // (PGPROC_MAX_CACHED_SUBXACTS): past that the transaction's subxid cache overflows and every
  // other session's snapshot checks go through pg_subtrans (a known cliff: reads slow down for as
  // long as the big transaction stays open). WriteQueue batches reach 1024 items.
  static constexpr size_t kMaxItemsPerTransaction = 60;

  // One transaction of a batch: BEGIN, the write lock, the items, COMMIT. Fills `results`.
  void RunTransaction(PgConnection& conn, std::span<const Work> work, std::span<Status> results);

  explicit PgEventStore(const PgStoreOptions& options);
  // Runs `read` on a leased connection.
  template <typename Read>
  auto OnConnection(Read&& read) -> decltype(read(std::declval<PgConnection&>()));

  PgPool pool_;
  std::vector<int> applied_;
  int schema_version_ = 0;
};

}  // namespace emm::storage::postgres
