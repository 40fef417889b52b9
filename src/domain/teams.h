// Teams own projects and users (from the teams config file). Resolution decides which team a
// metric or event belongs to; it is the original's rule set (contract section 6.3).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace emm::domain {

struct TeamUser {
  std::string github_username;
  std::string email;
  std::string slack_member_id;
  std::string gitlab_username = {};
};

struct Team {
  std::string id;
  std::vector<std::string> projects;
  std::vector<TeamUser> users;
  // The Linear team key its tickets carry (tickets store Linear's team key, "ENG"); empty: the
  // team's own id is taken for that key.
  std::string linear_team_id = {};
};

// Whose login a username is: the teams file lists each user's GitHub and GitLab logins apart,
// since the same person may have different ones.
enum class CodeHost { kGitHub, kGitLab };

// Immutable once built; safe to share between threads.
class TeamDirectory {
 public:
  TeamDirectory() = default;
  explicit TeamDirectory(std::vector<Team> teams);

  // 1. the project's only team; 2. else the user's only team (by `host`'s username);
  // 3. else the one team both lists share. Empty string when none of those is unique.
  std::string Resolve(std::string_view project_id, std::string_view username,
                      CodeHost host = CodeHost::kGitHub) const;

  // Whether a team lists this GitHub login among its users (the original only counts their pull
  // requests and reviews).
  bool HasGithubUser(std::string_view username) const {
    return HasUser(CodeHost::kGitHub, username);
  }
  bool HasUser(CodeHost host, std::string_view username) const {
    const auto& users = UsersOf(host);
    return users.find(username) != users.end();
  }

  // The team with this id; null when the teams file has none.
  const Team* FindTeam(std::string_view id) const;

  // The Linear team key whose tickets are this team's: its linear_team_id, else `team` itself
  // (also for a team the file does not list).
  std::string_view LinearTeamOf(std::string_view team) const;
  // The teams whose LinearTeamOf is `key` (config order); when none is, `key` itself: a Linear
  // team no team claims is its own.
  std::vector<std::string> TeamsOfLinearTeam(std::string_view key) const;

  // Teams that list this project (config order).
  const std::vector<std::string>& TeamsOfProject(std::string_view project_id) const;
  const std::vector<Team>& teams() const { return teams_; }

 private:
  using TeamsByName = std::map<std::string, std::vector<std::string>, std::less<>>;
  const TeamsByName& UsersOf(CodeHost host) const {
    return host == CodeHost::kGitLab ? by_gitlab_username_ : by_github_username_;
  }

  std::vector<Team> teams_;
  TeamsByName by_project_;
  TeamsByName by_github_username_;
  TeamsByName by_gitlab_username_;
  TeamsByName by_linear_team_;
};

}  // namespace emm::domain
