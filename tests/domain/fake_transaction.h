// An in-memory domain::Transaction for testing the command rules without a database. Commands run
// directly against it (no rollback): tests inspect the maps afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/transaction.h"

namespace emm::domain::testing {

class FakeTransaction final : public Transaction {
 public:
  Result<std::optional<Deployment>> FindDeployment(std::string_view id) override;
  Status InsertDeployment(const Deployment& d) override;
  Status UpdateDeployment(const Deployment& d) override;

  Result<std::optional<Incident>> FindIncident(std::string_view id) override;
  Status InsertIncident(const Incident& i) override;
  Status UpdateIncident(const Incident& i) override;
  Result<int64_t> CountIncidentsOfDeployment(std::string_view deployment_id) override;
  Result<int64_t> CountIncidentsOfProject(std::string_view project_id) override;
  Status PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                            TimeMs at) override {
    auto [it, added] = aliases.try_emplace(std::string(alias), std::string(deployment_id), at);
    if (!added && at >= it->second.second) it->second = {std::string(deployment_id), at};
    ++writes;
    return Status::Ok();
  }
  Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view alias) override {
    auto it = aliases.find(alias);
    if (it == aliases.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second.first);
  }

  Result<std::optional<PullRequest>> FindPullRequest(std::string_view id) override;
  Status InsertPullRequest(const PullRequest& pr) override;
  Status UpdatePullRequest(const PullRequest& pr) override;
  Status InsertPullRequestReview(const PullRequestReview& r) override {
    ++writes;
    reviews.push_back(r);
    return Status::Ok();
  }
  Status InsertDelivery(std::string_view source, std::string_view id, TimeMs) override {
    if (!deliveries.emplace(std::string(source), std::string(id)).second) {
      return Status::AlreadyExists("delivery", "seen");
    }
    ++writes;
    return Status::Ok();
  }

  Result<std::optional<Ticket>> FindTicket(std::string_view id) override;
  Status PutTicket(const Ticket& t) override;
  Status InsertTicketStatusChange(const TicketStatusChange& c) override {
    ++writes;
    status_changes.push_back(c);
    return Status::Ok();
  }
  Status InsertTicketEstimationChange(const TicketEstimationChange& c) override {
    ++writes;
    estimation_changes.push_back(c);
    return Status::Ok();
  }
  Result<bool> HasChildTickets(std::string_view external_id) override;

  Result<std::optional<SeriesState>> FindSeries(const SeriesKey& key) override;
  Status PutSeries(const SeriesState& s) override;
  Status ClearSeries() override;
  Status PutExportMark(const ExportMark& m) override {
    marks.push_back(m);
    return Status::Ok();
  }

  Status ForEachDeployment(const std::function<Status(const Deployment&)>& fn) override;
  Status ForEachIncident(const std::function<Status(const Incident&)>& fn) override;
  Status ForEachPullRequest(const std::function<Status(const PullRequest&)>& fn) override;
  Status ForEachPullRequestReview(
      const std::function<Status(const PullRequestReview&)>& fn) override {
    for (const auto& r : reviews) EMM_RETURN_IF_ERROR(fn(r));
    return Status::Ok();
  }
  Status ForEachTicket(const std::function<Status(const Ticket&)>& fn) override;
  Status ForEachTicketStatusChange(
      const std::function<Status(const TicketStatusChange&)>& fn) override {
    for (const auto& c : status_changes) EMM_RETURN_IF_ERROR(fn(c));
    return Status::Ok();
  }
  Status ForEachTicketEstimationChange(
      const std::function<Status(const TicketEstimationChange&)>& fn) override {
    for (const auto& c : estimation_changes) EMM_RETURN_IF_ERROR(fn(c));
    return Status::Ok();
  }

  // Test helpers.
  // The series, or nullptr.
  const SeriesState* Series(std::string_view metric, std::string_view project,
                            std::string_view team, std::string_view env,
                            std::string_view ticket_type = "") const;
  // Counter value / histogram observation count of a series; 0 when it does not exist.
  uint64_t Count(std::string_view metric, std::string_view project, std::string_view team,
                 std::string_view env) const;
  // Sum of `count` over every series of this metric.
  uint64_t TotalCount(std::string_view metric) const;

  std::map<std::string, Deployment, std::less<>> deployments;
  std::map<std::string, Incident, std::less<>> incidents;
  std::vector<std::string> deployment_order;  // insertion order, as ForEach* report it
  std::vector<std::string> incident_order;
  std::map<std::string, PullRequest, std::less<>> pull_requests;
  std::vector<std::string> pull_request_order;
  std::vector<PullRequestReview> reviews;
  std::set<std::pair<std::string, std::string>> deliveries;  // (source, id)
  std::map<std::string, Ticket, std::less<>> tickets;
  std::vector<std::string> ticket_order;
  std::vector<TicketStatusChange> status_changes;
  std::vector<TicketEstimationChange> estimation_changes;
  std::map<std::string, std::pair<std::string, TimeMs>, std::less<>> aliases;  // -> (id, at)
  std::map<SeriesKey, SeriesState> series;
  std::vector<ExportMark> marks;
  int writes = 0;  // Insert*/Update*/PutSeries/ClearSeries calls
};

}  // namespace emm::domain::testing
