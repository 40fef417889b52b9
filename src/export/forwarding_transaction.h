// The domain's Transaction with no database behind it, for stateless forwarding: lookups answer
// from what the request itself carried, writes of events are dropped, and every series update is
// collected as a point to push. The domain commands run unchanged on top of it, so validation and
// the samples each event produces are the same as with a database.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "domain/transaction.h"

namespace emm::exporting {

class ForwardingTransaction final : public domain::Transaction {
 public:
  // What FindDeployment / FindIncident answer (nothing by default: "does not exist").
  std::function<std::optional<domain::Deployment>(std::string_view id)> deployment_for;
  std::optional<domain::Incident> incident;
  // Incident ids generated without a database: incident_<project>_<id_seed + 1>.
  int64_t id_seed = 0;

  // The series updates of the command: one point per series, this event only.
  const std::vector<domain::SeriesState>& points() const { return points_; }

  Result<std::optional<domain::Deployment>> FindDeployment(std::string_view id) override {
    if (deployment_for) return deployment_for(id);
    return std::optional<domain::Deployment>();
  }
  Status InsertDeployment(const domain::Deployment&) override { return Status::Ok(); }
  Status UpdateDeployment(const domain::Deployment&) override { return Status::Ok(); }
  Result<std::optional<domain::Incident>> FindIncident(std::string_view id) override {
    if (incident && incident->id == id) return incident;
    return std::optional<domain::Incident>();
  }
  Status InsertIncident(const domain::Incident&) override { return Status::Ok(); }
  Status UpdateIncident(const domain::Incident&) override { return Status::Ok(); }
  Result<int64_t> CountIncidentsOfDeployment(std::string_view) override { return 0; }
  Result<int64_t> CountIncidentsOfProject(std::string_view) override { return id_seed; }
  // Nothing is stored, so no alias names anything.
  Status PutDeploymentAlias(std::string_view, std::string_view, TimeMs) override {
    return Status::Ok();
  }
  Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view) override {
    return std::optional<std::string>();
  }
  // Pull requests need their stored opened_at for every duration: not in stateless mode (yet).
  Result<std::optional<domain::PullRequest>> FindPullRequest(std::string_view) override {
    return NoPullRequests();
  }
  Status InsertPullRequest(const domain::PullRequest&) override { return NoPullRequests(); }
  Status UpdatePullRequest(const domain::PullRequest&) override { return NoPullRequests(); }
  Status InsertPullRequestReview(const domain::PullRequestReview&) override {
    return NoPullRequests();
  }
  // Nothing is stored, so nothing to find a replay in: every delivery runs (docs/webhooks.md).
  Status InsertDelivery(std::string_view, std::string_view, TimeMs) override {
    return Status::Ok();
  }
  // Tickets need their stored state (was it done? its estimate?): not in stateless mode.
  Result<std::optional<domain::Ticket>> FindTicket(std::string_view) override { return NoTickets(); }
  Status PutTicket(const domain::Ticket&) override { return NoTickets(); }
  Status InsertTicketStatusChange(const domain::TicketStatusChange&) override {
    return NoTickets();
  }
  Status InsertTicketEstimationChange(const domain::TicketEstimationChange&) override {
    return NoTickets();
  }
  Result<bool> HasChildTickets(std::string_view) override { return NoTickets(); }
  Status ForEachTicket(const std::function<Status(const domain::Ticket&)>&) override {
    return Status::Ok();
  }
  Status ForEachTicketStatusChange(
      const std::function<Status(const domain::TicketStatusChange&)>&) override {
    return Status::Ok();
  }
  Status ForEachTicketEstimationChange(
      const std::function<Status(const domain::TicketEstimationChange&)>&) override {
    return Status::Ok();
  }
  Status ForEachPullRequest(const std::function<Status(const domain::PullRequest&)>&) override {
    return Status::Ok();
  }
  Status ForEachPullRequestReview(
      const std::function<Status(const domain::PullRequestReview&)>&) override {
    return Status::Ok();
  }
  Result<std::optional<domain::SeriesState>> FindSeries(const domain::SeriesKey& key) override {
    for (const auto& p : points_) {
      if (p.key == key) return std::optional(p);
    }
    return std::optional<domain::SeriesState>();
  }
  Status PutSeries(const domain::SeriesState& s) override {
    for (auto& p : points_) {
      if (p.key == s.key) {
        p = s;
        return Status::Ok();
      }
    }
    points_.push_back(s);
    return Status::Ok();
  }
  Status ClearSeries() override {
    return Status::Unimplemented("no metric state without a database");
  }
  Status PutExportMark(const domain::ExportMark&) override { return Status::Ok(); }
  Status ForEachDeployment(const std::function<Status(const domain::Deployment&)>&) override {
    return Status::Ok();
  }
  Status ForEachIncident(const std::function<Status(const domain::Incident&)>&) override {
    return Status::Ok();
  }

 private:
  static Status NoTickets() {
    return Status::Unimplemented("tickets need a database (SQLITE_DB=none keeps none)");
  }
  static Status NoPullRequests() {
    return Status::Unimplemented("pull requests need a database (SQLITE_DB=none keeps none)");
  }
  std::vector<domain::SeriesState> points_;
};

}  // namespace emm::exporting
