#include "domain/fake_transaction.h"

namespace emm::domain::testing {

Result<std::optional<Deployment>> FakeTransaction::FindDeployment(std::string_view id) {
  auto it = deployments.find(id);
  if (it == deployments.end()) return std::optional<Deployment>();
  return std::optional<Deployment>(it->second);
}

Status FakeTransaction::InsertDeployment(const Deployment& d) {
  ++writes;
  if (deployments.count(d.id)) return Status::AlreadyExists("id", "duplicate deployment " + d.id);
  deployments.emplace(d.id, d);
  deployment_order.push_back(d.id);
  return Status::Ok();
}

Status FakeTransaction::UpdateDeployment(const Deployment& d) {
  ++writes;
  auto it = deployments.find(d.id);
  if (it == deployments.end()) return Status::Internal("update of a missing deployment " + d.id);
  it->second = d;
  return Status::Ok();
}

Result<std::optional<Incident>> FakeTransaction::FindIncident(std::string_view id) {
  auto it = incidents.find(id);
  if (it == incidents.end()) return std::optional<Incident>();
  return std::optional<Incident>(it->second);
}

Status FakeTransaction::InsertIncident(const Incident& i) {
  ++writes;
  if (incidents.count(i.id)) return Status::AlreadyExists("id", "duplicate incident " + i.id);
  if (i.deployment_id && !deployments.count(*i.deployment_id)) {
    return Status::Internal("foreign key: no deployment " + *i.deployment_id);
  }
  incidents.emplace(i.id, i);
  incident_order.push_back(i.id);
  return Status::Ok();
}

Status FakeTransaction::UpdateIncident(const Incident& i) {
  ++writes;
  auto it = incidents.find(i.id);
  if (it == incidents.end()) return Status::Internal("update of a missing incident " + i.id);
  it->second = i;
  return Status::Ok();
}

Result<std::optional<PullRequest>> FakeTransaction::FindPullRequest(std::string_view id) {
  auto it = pull_requests.find(id);
  if (it == pull_requests.end()) return std::optional<PullRequest>();
  return std::optional<PullRequest>(it->second);
}

Status FakeTransaction::InsertPullRequest(const PullRequest& pr) {
  ++writes;
  if (pull_requests.count(pr.id)) {
    return Status::AlreadyExists("id", "duplicate pull request " + pr.id);
  }
  pull_requests.emplace(pr.id, pr);
  pull_request_order.push_back(pr.id);
  return Status::Ok();
}

Status FakeTransaction::UpdatePullRequest(const PullRequest& pr) {
  ++writes;
  auto it = pull_requests.find(pr.id);
  if (it == pull_requests.end()) return Status::Internal("update of a missing pull request");
  it->second = pr;
  return Status::Ok();
}

Status FakeTransaction::ForEachPullRequest(const std::function<Status(const PullRequest&)>& fn) {
  for (const auto& id : pull_request_order) EMM_RETURN_IF_ERROR(fn(pull_requests.at(id)));
  return Status::Ok();
}

Result<std::optional<Ticket>> FakeTransaction::FindTicket(std::string_view id) {
  auto it = tickets.find(id);
  if (it == tickets.end()) return std::optional<Ticket>();
  return std::optional<Ticket>(it->second);
}

Status FakeTransaction::PutTicket(const Ticket& t) {
  ++writes;
  if (tickets.insert_or_assign(t.id, t).second) ticket_order.push_back(t.id);
  return Status::Ok();
}

Result<bool> FakeTransaction::HasChildTickets(std::string_view external_id) {
  for (const auto& [id, t] : tickets) {
    if (t.parent_ticket_id && *t.parent_ticket_id == external_id) return true;
  }
  return false;
}

Status FakeTransaction::ForEachTicket(const std::function<Status(const Ticket&)>& fn) {
  for (const auto& id : ticket_order) EMM_RETURN_IF_ERROR(fn(tickets.at(id)));
  return Status::Ok();
}

Result<int64_t> FakeTransaction::CountIncidentsOfDeployment(std::string_view deployment_id) {
  int64_t n = 0;
  for (const auto& [id, i] : incidents) {
    if (i.deployment_id && *i.deployment_id == deployment_id) ++n;
  }
  return n;
}

Result<int64_t> FakeTransaction::CountIncidentsOfProject(std::string_view project_id) {
  int64_t n = 0;
  for (const auto& [id, i] : incidents) {
    if (i.project_id == project_id) ++n;
  }
  return n;
}

Result<std::optional<SeriesState>> FakeTransaction::FindSeries(const SeriesKey& key) {
  auto it = series.find(key);
  if (it == series.end()) return std::optional<SeriesState>();
  return std::optional<SeriesState>(it->second);
}

Status FakeTransaction::PutSeries(const SeriesState& s) {
  ++writes;
  series.insert_or_assign(s.key, s);
  return Status::Ok();
}

Status FakeTransaction::ClearSeries() {
  ++writes;
  series.clear();
  return Status::Ok();
}

Status FakeTransaction::ForEachDeployment(const std::function<Status(const Deployment&)>& fn) {
  for (const std::string& id : deployment_order) EMM_RETURN_IF_ERROR(fn(deployments.at(id)));
  return Status::Ok();
}

Status FakeTransaction::ForEachIncident(const std::function<Status(const Incident&)>& fn) {
  for (const std::string& id : incident_order) EMM_RETURN_IF_ERROR(fn(incidents.at(id)));
  return Status::Ok();
}

const SeriesState* FakeTransaction::Series(std::string_view metric, std::string_view project,
                                           std::string_view team, std::string_view env,
                                           std::string_view ticket_type) const {
  auto it = series.find(SeriesKey{std::string(metric), std::string(project), std::string(team),
                                  std::string(env), std::string(ticket_type)});
  return it == series.end() ? nullptr : &it->second;
}

uint64_t FakeTransaction::Count(std::string_view metric, std::string_view project,
                                std::string_view team, std::string_view env) const {
  const SeriesState* s = Series(metric, project, team, env);
  return s ? s->count : 0;
}

uint64_t FakeTransaction::TotalCount(std::string_view metric) const {
  uint64_t n = 0;
  for (const auto& [key, s] : series) {
    if (key.metric == metric) n += s.count;
  }
  return n;
}

}  // namespace emm::domain::testing
