// The storage operations the domain needs inside one atomic unit of work. Storage backends
// implement it; the domain never sees SQL. Every call happens inside a transaction (or savepoint)
// opened by the backend, so a command either applies completely or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/events.h"
#include "domain/metrics.h"

namespace emm::domain {

// What PutDeploymentAlias stored.
struct DeploymentAlias {
  std::string alias;
  std::string deployment_id;
  TimeMs at = 0;
};

// What InsertDelivery stored.
struct Delivery {
  std::string source;
  std::string id;
  TimeMs at = 0;
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  virtual Result<std::optional<Deployment>> FindDeployment(std::string_view id) = 0;
  // kAlreadyExists when the id is taken.
  virtual Status InsertDeployment(const Deployment& d) = 0;
  // Stores what a transition changes: team_id, deployed_at, status, kind, commit_sha, failed,
  // recovered_at. The rest is immutable.
  virtual Status UpdateDeployment(const Deployment& d) = 0;

  virtual Result<std::optional<Incident>> FindIncident(std::string_view id) = 0;
  virtual Status InsertIncident(const Incident& i) = 0;
  // Stores what a transition changes: team_id, restored_at, finished_at.
  virtual Status UpdateIncident(const Incident& i) = 0;
  virtual Result<int64_t> CountIncidentsOfDeployment(std::string_view deployment_id) = 0;
  // Other names of deployments (a CDEvents chain or artifact in an environment), by which
  // incidents find theirs: names `deployment_id` by `alias` unless a deployment at a later `at`
  // carries it already, so each alias names the latest deployment that carries it.
  virtual Status PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                                    TimeMs at) = 0;
  // The id of the deployment `alias` names; none when no deployment carries it.
  virtual Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view alias) = 0;
  virtual Result<int64_t> CountIncidentsOfProject(std::string_view project_id) = 0;

  virtual Result<std::optional<PullRequest>> FindPullRequest(std::string_view id) = 0;
  // kAlreadyExists when the id is taken.
  virtual Status InsertPullRequest(const PullRequest& pr) = 0;
  // Stores what a transition changes: closed_at, merged_at, first_review_at, first_approved_at,
  // reviews, comments.
  virtual Status UpdatePullRequest(const PullRequest& pr) = 0;
  virtual Status InsertPullRequestReview(const PullRequestReview& review) = 0;

  // Records that webhook delivery `id` from `source` ("github", "linear", ...) ran its command in
  // this unit of work; kAlreadyExists when it was recorded before (a replay).
  virtual Status InsertDelivery(std::string_view source, std::string_view id, TimeMs at) = 0;

  virtual Result<std::optional<Ticket>> FindTicket(std::string_view id) = 0;
  // Inserts the ticket, or replaces every field of the stored one with the same id.
  virtual Status PutTicket(const Ticket& t) = 0;
  virtual Status InsertTicketStatusChange(const TicketStatusChange& change) = 0;
  virtual Status InsertTicketEstimationChange(const TicketEstimationChange& change) = 0;
  // Whether a stored ticket names `external_id` as its parent.
  virtual Result<bool> HasChildTickets(std::string_view external_id) = 0;

  virtual Result<std::optional<SeriesState>> FindSeries(const SeriesKey& key) = 0;
  virtual Status PutSeries(const SeriesState& s) = 0;
  virtual Status ClearSeries() = 0;
  // Inserts or replaces the mark of mark.key.
  virtual Status PutExportMark(const ExportMark& mark) = 0;

  // Full scans in creation order (created_at, then id), for rebuilding the metric state.
  virtual Status ForEachDeployment(const std::function<Status(const Deployment&)>& fn) = 0;
  virtual Status ForEachIncident(const std::function<Status(const Incident&)>& fn) = 0;
  virtual Status ForEachPullRequest(const std::function<Status(const PullRequest&)>& fn) = 0;
  // Reviews in the order they were stored.
  virtual Status ForEachPullRequestReview(
      const std::function<Status(const PullRequestReview&)>& fn) = 0;
  // Tickets in the order first stored (recorded_at, then id); their changes in the order stored.
  virtual Status ForEachTicket(const std::function<Status(const Ticket&)>& fn) = 0;
  virtual Status ForEachTicketStatusChange(
      const std::function<Status(const TicketStatusChange&)>& fn) = 0;
  virtual Status ForEachTicketEstimationChange(
      const std::function<Status(const TicketEstimationChange&)>& fn) = 0;
  // Every alias and every recorded delivery, in no particular order: what copying a store
  // (storage/copy.h) needs besides the events. Not pure, so that a backend may leave them out:
  // kUnimplemented then, and the copy says what it could not move.
  virtual Status ForEachDeploymentAlias(const std::function<Status(const DeploymentAlias&)>&) {
    return Status::Unimplemented("this store cannot list its deployment aliases");
  }
  virtual Status ForEachDelivery(const std::function<Status(const Delivery&)>&) {
    return Status::Unimplemented("this store cannot list its webhook deliveries");
  }
};

}  // namespace emm::domain
