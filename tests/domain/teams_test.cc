#include "domain/teams.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emm::domain {
namespace {

TeamUser Github(std::string name) { return TeamUser{std::move(name), "", "", ""}; }

// team-a owns "solo" alone; "shared" belongs to team-a and team-b; "triple" to a, b and c.
// alice is only in team-b; bob is in team-b and team-c; carol in team-a and team-b;
// erin is only in team-c; dave (email only) is in team-c.
TeamDirectory MakeDirectory() {
  return TeamDirectory({
      Team{"team-a", {"solo", "shared", "triple"}, {Github("carol")}},
      Team{"team-b", {"shared", "triple"}, {Github("alice"), Github("bob"), Github("carol")}},
      Team{"team-c",
           {"triple", "c-only"},
           {Github("bob"), Github("erin"), TeamUser{"", "dave@example.com", "", ""}}},
  });
}

TEST(TeamDirectoryTest, ProjectsOnlyTeamWins) {
  TeamDirectory dir = MakeDirectory();
  EXPECT_EQ(dir.Resolve("solo", ""), "team-a");
  // Rule 1 comes first, even when the user belongs to a different team only.
  EXPECT_EQ(dir.Resolve("solo", "alice"), "team-a");
  EXPECT_EQ(dir.Resolve("c-only", "alice"), "team-c");
}

TEST(TeamDirectoryTest, UsersOnlyTeamWhenProjectIsShared) {
  TeamDirectory dir = MakeDirectory();
  EXPECT_EQ(dir.Resolve("shared", "alice"), "team-b");
}

TEST(TeamDirectoryTest, UsersOnlyTeamWhenProjectIsUnknown) {
  TeamDirectory dir = MakeDirectory();
  EXPECT_EQ(dir.Resolve("unknown-project", "alice"), "team-b");
  // Rule 2 does not require the user's team to own the project: "shared" is {a, b}.
  EXPECT_EQ(dir.Resolve("shared", "erin"), "team-c");
}

TEST(TeamDirectoryTest, SingleTeamInIntersection) {
  TeamDirectory dir = MakeDirectory();
  // "shared" is {a, b}; bob is in {b, c}: only b is in both.
  EXPECT_EQ(dir.Resolve("shared", "bob"), "team-b");
  // "c-only" has one team, so rule 1 decides before the intersection.
  EXPECT_EQ(dir.Resolve("c-only", "bob"), "team-c");
}

TEST(TeamDirectoryTest, AmbiguousIntersectionResolvesToNothing) {
  TeamDirectory dir = MakeDirectory();
  // "triple" is {a, b, c}; bob is in {b, c}: two candidates.
  EXPECT_EQ(dir.Resolve("triple", "bob"), "");
  // "shared" is {a, b}; carol is in {a, b}.
  EXPECT_EQ(dir.Resolve("shared", "carol"), "");
}

TEST(TeamDirectoryTest, EmptyIntersectionResolvesToNothing) {
  TeamDirectory dir({
      Team{"x", {"p"}, {}},
      Team{"y", {"p"}, {}},
      Team{"z", {}, {Github("u")}},
      Team{"w", {}, {Github("u")}},
  });
  EXPECT_EQ(dir.Resolve("p", "u"), "");
}

TEST(TeamDirectoryTest, SharedProjectWithoutUserResolvesToNothing) {
  TeamDirectory dir = MakeDirectory();
  EXPECT_EQ(dir.Resolve("shared", ""), "");
  EXPECT_EQ(dir.Resolve("shared", "stranger"), "");
  EXPECT_EQ(dir.Resolve("unknown", "stranger"), "");
}

TEST(TeamDirectoryTest, EmailIsNotAGithubUsername) {
  TeamDirectory dir = MakeDirectory();
  EXPECT_EQ(dir.Resolve("unknown", "dave@example.com"), "");
  // Users without a github_username are not indexed under "".
  EXPECT_EQ(dir.Resolve("unknown", ""), "");
}

TEST(TeamDirectoryTest, GitLabUsernamesAreLookedUpApart) {
  TeamDirectory dir({Team{"web", {"shared"}, {TeamUser{"alice-gh", "", "", "alice"}}},
                     Team{"api", {"shared"}, {TeamUser{"alice", "", "", ""}}}});
  // "alice" is web's GitLab login and api's GitHub login: which one is meant decides.
  EXPECT_EQ(dir.Resolve("shared", "alice", CodeHost::kGitLab), "web");
  EXPECT_EQ(dir.Resolve("shared", "alice"), "api");
  EXPECT_EQ(dir.Resolve("shared", "alice-gh", CodeHost::kGitLab), "");
  EXPECT_TRUE(dir.HasUser(CodeHost::kGitLab, "alice"));
  EXPECT_FALSE(dir.HasUser(CodeHost::kGitLab, "alice-gh"));
  EXPECT_TRUE(dir.HasGithubUser("alice-gh"));
}

TEST(TeamDirectoryTest, EmptyDirectory) {
  TeamDirectory dir;
  EXPECT_EQ(dir.Resolve("p", "u"), "");
  EXPECT_TRUE(dir.TeamsOfProject("p").empty());
  EXPECT_TRUE(dir.teams().empty());
}

TEST(TeamDirectoryTest, TeamsOfProjectInConfigOrderWithoutDuplicates) {
  TeamDirectory dir({
      Team{"second", {"p", "p"}, {}},
      Team{"first", {"p"}, {}},
  });
  EXPECT_EQ(dir.TeamsOfProject("p"), (std::vector<std::string>{"second", "first"}));
  EXPECT_TRUE(dir.TeamsOfProject("q").empty());
}

TEST(TeamDirectoryTest, ProjectListedTwiceByOneTeamStillHasOneTeam) {
  TeamDirectory dir({Team{"only", {"p", "p"}, {Github("u"), Github("u")}}});
  EXPECT_EQ(dir.Resolve("p", ""), "only");
  EXPECT_EQ(dir.Resolve("other", "u"), "only");
}

}  // namespace
}  // namespace emm::domain
