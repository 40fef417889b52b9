#include "domain/teams.h"

#include <algorithm>

namespace emm::domain {
namespace {

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

const std::vector<std::string>& Lookup(
    const std::map<std::string, std::vector<std::string>, std::less<>>& m, std::string_view key) {
  static const std::vector<std::string> kNone;
  auto it = m.find(key);
  return it == m.end() ? kNone : it->second;
}

}  // namespace

TeamDirectory::TeamDirectory(std::vector<Team> teams) : teams_(std::move(teams)) {
  for (const Team& t : teams_) {
    for (const std::string& p : t.projects) AddUnique(&by_project_[p], t.id);
    for (const TeamUser& u : t.users) {
      if (!u.github_username.empty()) AddUnique(&by_github_username_[u.github_username], t.id);
      if (!u.gitlab_username.empty()) AddUnique(&by_gitlab_username_[u.gitlab_username], t.id);
    }
    AddUnique(&by_linear_team_[std::string(LinearTeamOf(t.id))], t.id);
  }
}

std::string_view TeamDirectory::LinearTeamOf(std::string_view team) const {
  const Team* t = FindTeam(team);
  return t != nullptr && !t->linear_team_id.empty() ? std::string_view(t->linear_team_id) : team;
}

std::vector<std::string> TeamDirectory::TeamsOfLinearTeam(std::string_view key) const {
  const auto& teams = Lookup(by_linear_team_, key);
  return teams.empty() ? std::vector<std::string>{std::string(key)} : teams;
}

const Team* TeamDirectory::FindTeam(std::string_view id) const {
  for (const Team& t : teams_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const std::vector<std::string>& TeamDirectory::TeamsOfProject(std::string_view project_id) const {
  return Lookup(by_project_, project_id);
}

std::string TeamDirectory::Resolve(std::string_view project_id, std::string_view username,
                                   CodeHost host) const {
  const auto& by_project = Lookup(by_project_, project_id);
  if (by_project.size() == 1) return by_project.front();
  const auto& by_user = Lookup(UsersOf(host), username);
  if (by_user.size() == 1) return by_user.front();
  std::string found;
  int n = 0;
  for (const std::string& t : by_project) {
    if (std::find(by_user.begin(), by_user.end(), t) != by_user.end()) {
      found = t;
      ++n;
    }
  }
  return n == 1 ? found : std::string();
}

}  // namespace emm::domain
