// The domain's Transaction (domain/transaction.h) over one PostgreSQL connection, inside the
// transaction the store's RunBatch opened (or, for the reads by id, in autocommit). What SQLite's
// triggers do (dora_groups and group_id, incidents' deployment_deployed_at, reviews' team_id and
// pull_request_opened_at, status changes' team_id) its statements do themselves, in the same
// transaction. Each statement is prepared once per connection, by name. Not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/transaction.h"
#include "storage/postgres/pg_connection.h"
#include "storage/series_cache.h"

namespace emm::storage::postgres {

class PgWriteTransaction final : public domain::Transaction {
 public:
  explicit PgWriteTransaction(PgConnection& conn) : conn_(conn) {}

  // The metric series cached for one batch (storage/series_cache.h), which is this object's
  // lifetime: read once per key under the write lock, written once at the end, never reused by
  // a later batch (another replica may have written in between). Without BeginBatch (the reads
  // by id) FindSeries and PutSeries go to the table.
  void BeginBatch() { series_.Begin(); }
  void BeginItem() { series_.BeginItem(); }
  void RollbackItem() { series_.RollbackItem(); }
  // Writes the batch's changed series; call before COMMIT.
  Status FlushSeries();
  // The connection the batch runs on (the tests look at its session's prepared statements).
  PgConnection& connection() { return conn_; }

  Result<std::optional<domain::Deployment>> FindDeployment(std::string_view id) override;
  Status InsertDeployment(const domain::Deployment& d) override;
  Status UpdateDeployment(const domain::Deployment& d) override;

  Result<std::optional<domain::Incident>> FindIncident(std::string_view id) override;
  Status InsertIncident(const domain::Incident& i) override;
  Status UpdateIncident(const domain::Incident& i) override;
  Result<int64_t> CountIncidentsOfDeployment(std::string_view deployment_id) override;
  Status PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                            TimeMs at) override;
  Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view alias) override;
  Result<int64_t> CountIncidentsOfProject(std::string_view project_id) override;

  Result<std::optional<domain::PullRequest>> FindPullRequest(std::string_view id) override;
  Status InsertPullRequest(const domain::PullRequest& pr) override;
  Status UpdatePullRequest(const domain::PullRequest& pr) override;
  Status InsertPullRequestReview(const domain::PullRequestReview& review) override;

  Status InsertDelivery(std::string_view source, std::string_view id, TimeMs at) override;

  Result<std::optional<domain::Ticket>> FindTicket(std::string_view id) override;
  Status PutTicket(const domain::Ticket& t) override;
  Status InsertTicketStatusChange(const domain::TicketStatusChange& change) override;
  Status InsertTicketEstimationChange(const domain::TicketEstimationChange& change) override;
  Result<bool> HasChildTickets(std::string_view external_id) override;

  Result<std::optional<domain::SeriesState>> FindSeries(const domain::SeriesKey& key) override;
  Status PutSeries(const domain::SeriesState& s) override;
  Status ClearSeries() override;
  Status PutExportMark(const domain::ExportMark& mark) override;

  Status ForEachDeployment(const std::function<Status(const domain::Deployment&)>& fn) override;
  Status ForEachIncident(const std::function<Status(const domain::Incident&)>& fn) override;
  Status ForEachPullRequest(const std::function<Status(const domain::PullRequest&)>& fn) override;
  Status ForEachPullRequestReview(
      const std::function<Status(const domain::PullRequestReview&)>& fn) override;
  Status ForEachTicket(const std::function<Status(const domain::Ticket&)>& fn) override;
  Status ForEachDeploymentAlias(
      const std::function<Status(const domain::DeploymentAlias&)>& fn) override;
  Status ForEachDelivery(const std::function<Status(const domain::Delivery&)>& fn) override;
  Status ForEachTicketStatusChange(
      const std::function<Status(const domain::TicketStatusChange&)>& fn) override;
  Status ForEachTicketEstimationChange(
      const std::function<Status(const domain::TicketEstimationChange&)>& fn) override;

 private:
  // A statement that returns no rows the caller needs: in the batch's pipeline it is only
  // queued, and its error (if any) comes with the next read or the item's end (PgConnection::Send).
  Status Exec(const std::string& name, std::string_view sql, const PgParams& params);
  // An INSERT ... ON CONFLICT DO NOTHING: kAlreadyExists when it inserted nothing. (A unique
  // violation raised as an error would abort the whole batch's transaction, not just the item.)
  Status InsertNew(const std::string& name, std::string_view sql, const PgParams& params,
                   std::string_view what);
  Result<int64_t> Count(const std::string& name, std::string_view sql, std::string_view arg);
  // Makes sure the DORA group (team, project, environment) exists (SQLite's *_group_* triggers).
  Status AddGroup(std::string_view team, std::string_view project, std::string_view env);

  // Upserts `states` (distinct keys) in statements of up to kSeriesPerStatement rows each.
  Status UpsertSeries(std::span<const domain::SeriesState* const> states);

  PgConnection& conn_;
  SeriesCache series_;
};

}  // namespace emm::storage::postgres
