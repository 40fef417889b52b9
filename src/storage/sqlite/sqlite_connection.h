// One SQLite connection of the store: the domain::Transaction the write commands run on (the
// writer's, inside a batch) and the sqlite::Statements the query files run on (any connection).
// Internal to the SQLite store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "domain/transaction.h"
#include "storage/read_snapshot.h"
#include "storage/series_cache.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite/statements.h"

namespace emm::storage {

// One SQLite connection with its cached prepared statements. Used by one thread at a time.
class SqliteConnection final : public domain::Transaction,
                               public sqlite::Statements,
                               public SnapshotConnection {
 public:
  // The store's writer is the only connection that ever checkpoints (see CheckpointIfDue);
  // every other one is opened with `may_checkpoint` false.
  static Result<std::unique_ptr<SqliteConnection>> Open(const SqliteOptions& o,
                                                        bool may_checkpoint);
  ~SqliteConnection() override;

  sqlite3* db() const { return db_; }

  Status Exec(const std::string& sql);
  // A cached prepared statement for this SQL text.
  Result<sqlite3_stmt*> Prepare(const std::string& sql);
  // Steps a statement that returns no rows.
  Status Run(const std::string& sql, const sqlite::Bind& bind) override;
  // Steps a query, calling `row` for each row.
  Status Query(const std::string& sql, const sqlite::Bind& bind, const sqlite::Row& row) override;
  // A deferred read transaction: under WAL it pins the snapshot at its first read and never
  // waits for the writer. Both statements are prepared once per connection.
  Status BeginSnapshot() override { return Run("BEGIN", nullptr); }
  Status EndSnapshot(bool read_ok) override {
    return Run(read_ok ? "COMMIT" : "ROLLBACK", nullptr);
  }

  // --- domain::Transaction ---

  Result<std::optional<domain::Deployment>> FindDeployment(std::string_view id) override;
  Status InsertDeployment(const domain::Deployment& d) override;
  Status UpdateDeployment(const domain::Deployment& d) override;
  Result<std::optional<domain::Incident>> FindIncident(std::string_view id) override;
  Status InsertIncident(const domain::Incident& i) override;
  Status UpdateIncident(const domain::Incident& i) override;
  Result<std::optional<domain::PullRequest>> FindPullRequest(std::string_view id) override;
  Status InsertPullRequest(const domain::PullRequest& pr) override;
  Status UpdatePullRequest(const domain::PullRequest& pr) override;
  Status InsertPullRequestReview(const domain::PullRequestReview& r) override;
  Status InsertDelivery(std::string_view source, std::string_view id, TimeMs at) override;
  // Tickets: the SQL is in ticket_queries.cc.
  Result<std::optional<domain::Ticket>> FindTicket(std::string_view id) override;
  Status PutTicket(const domain::Ticket& t) override;
  Status InsertTicketStatusChange(const domain::TicketStatusChange& c) override;
  Status InsertTicketEstimationChange(const domain::TicketEstimationChange& c) override;
  Result<bool> HasChildTickets(std::string_view external_id) override;
  Status PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                            TimeMs at) override;
  Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view alias) override;
  Result<int64_t> CountIncidentsOfDeployment(std::string_view deployment_id) override;
  Result<int64_t> CountIncidentsOfProject(std::string_view project_id) override;
  Result<std::optional<domain::SeriesState>> FindSeries(const domain::SeriesKey& key) override;
  Status PutSeries(const domain::SeriesState& st) override;
  Status PutExportMark(const domain::ExportMark& m) override;
  Status ClearSeries() override;

  // --- the writer's series cache (storage/series_cache.h): see RunBatch ---

  // The cache holds the state as of the open transaction, and each series' row id so that the
  // flush updates rows by id. It is kept across batches, unless another process
  // (rebuild-metrics, a second server on the same file, the sqlite3 shell) has committed since
  // the last one: PRAGMA data_version changes exactly on other connections' commits.
  // Call inside the batch's transaction.
  Status BeginBatch();
  void BeginItem() { series_.BeginItem(); }
  void RollbackItem() { series_.RollbackItem(); }
  // Writes the batch's changed series; call before COMMIT.
  Status FlushSeries();
  // After COMMIT (committed = true) or ROLLBACK of the whole batch.
  void EndBatch(bool committed);

  Status ForEachDeployment(const std::function<Status(const domain::Deployment&)>& fn) override;
  Status ForEachIncident(const std::function<Status(const domain::Incident&)>& fn) override;
  Status ForEachPullRequest(const std::function<Status(const domain::PullRequest&)>& fn) override;
  Status ForEachTicket(const std::function<Status(const domain::Ticket&)>& fn) override;
  Status ForEachTicketStatusChange(
      const std::function<Status(const domain::TicketStatusChange&)>& fn) override;
  Status ForEachTicketEstimationChange(
      const std::function<Status(const domain::TicketEstimationChange&)>& fn) override;
  Status ForEachDeploymentAlias(
      const std::function<Status(const domain::DeploymentAlias&)>& fn) override;
  Status ForEachDelivery(const std::function<Status(const domain::Delivery&)>& fn) override;
  Status ForEachPullRequestReview(
      const std::function<Status(const domain::PullRequestReview&)>& fn) override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  template <typename T>
  Result<std::optional<T>> QueryOne(const std::string& sql, std::string_view id,
                                    T (*read)(sqlite3_stmt*));
  Result<int64_t> Count(const std::string& sql, std::string_view arg);

  Result<std::optional<domain::SeriesState>> ReadSeriesRow(const domain::SeriesKey& key,
                                                           int64_t* row_id);
  Status UpdateSeriesRow(int64_t row_id, const domain::SeriesState& st);
  Status UpsertSeriesRow(const domain::SeriesState& st);

  int64_t data_version_ = -1;
  SeriesCache series_;

  // Groups are only ever added, so one this connection has added (or seen added) needs no
  // statement. Were that insert rolled back, the row's group_id would come out NULL and the
  // deployments_group_on_insert trigger would add the group then.
  Status AddGroup(const std::string& team, const std::string& project, const std::string& env);
  std::unordered_set<std::string> known_groups_;

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> stmts_;
};

}  // namespace emm::storage
