#include "config/teams_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace emm::config {
namespace {

namespace fs = std::filesystem;

constexpr const char* kValid =
    R"({"teams":{"team-1":{"projects":["p1","p2"],"users":[{"github_username":"u1"},)"
    R"({"email":"u2@example.com"}]},"team-2":{"projects":["p2","p3"],"users":)"
    R"([{"github_username":"u3"}]}},"ticketing":{"linear":{"ignore_parent_issues":true,)"
    R"("ticket_type_selector":{"parent_label_id":"parent-id"}}}})";

// The key a failed parse names, or "" when it succeeded.
std::string FailedKey(std::string_view text) {
  auto r = ParseTeamsConfig(text, "config.json");
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("config.json: ", 0), 0u) << r.status().message();
  if (r.status().fields().empty()) return "(no field)";
  return r.status().fields().front().field;
}

TEST(ParseTeamsConfigTest, ValidExample) {
  auto r = ParseTeamsConfig(kValid, "config.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TeamsConfig& c = *r;
  EXPECT_EQ(c.path, "config.json");
  EXPECT_EQ(c.json, kValid);  // compact input is kept verbatim

  const auto& teams = c.directory.teams();
  ASSERT_EQ(teams.size(), 2u);
  EXPECT_EQ(teams[0].id, "team-1");
  EXPECT_EQ(teams[0].projects, (std::vector<std::string>{"p1", "p2"}));
  ASSERT_EQ(teams[0].users.size(), 2u);
  EXPECT_EQ(teams[0].users[0].github_username, "u1");
  EXPECT_EQ(teams[0].users[1].github_username, "");
  EXPECT_EQ(teams[0].users[1].email, "u2@example.com");
  EXPECT_EQ(teams[1].id, "team-2");
  EXPECT_EQ(teams[1].projects, (std::vector<std::string>{"p2", "p3"}));

  EXPECT_EQ(c.directory.Resolve("p1", ""), "team-1");
  EXPECT_EQ(c.directory.Resolve("p3", ""), "team-2");
  EXPECT_EQ(c.directory.Resolve("p2", ""), "");
  EXPECT_EQ(c.directory.Resolve("p2", "u3"), "team-2");
  EXPECT_EQ(c.directory.Resolve("p2", "u1"), "team-1");
  EXPECT_EQ(c.directory.TeamsOfProject("p2"), (std::vector<std::string>{"team-1", "team-2"}));
}

TEST(ParseTeamsConfigTest, WhitespaceIsCompactedInTheKeptJson) {
  auto r = ParseTeamsConfig("{ \"teams\" : { } }\n", "c.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->json, R"({"teams":{}})");
  EXPECT_TRUE(r->directory.teams().empty());
}

TEST(ParseTeamsConfigTest, EmptyObjectIsValid) {
  auto r = ParseTeamsConfig("{}", "c.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->json, "{}");
}

TEST(ParseTeamsConfigTest, UnknownKeysAreIgnored) {
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"projects":[],"extra":1}},"other":[1,2]})"), "");
}

TEST(ParseTeamsConfigTest, AllowListSelectorIsValid) {
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":)"
                      R"({"allow_list":["a","b"]}}}})"),
            "");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":)"
                      R"({"parent_label_id":null}}}})"),
            "");
}

TEST(ParseTeamsConfigTest, InvalidJson) {
  EXPECT_EQ(FailedKey("{\"teams\": "), "(file)");
  EXPECT_EQ(FailedKey("not json"), "(file)");
  EXPECT_EQ(FailedKey(""), "(file)");
}

TEST(ParseTeamsConfigTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(FailedKey("[]"), "(top level)");
  EXPECT_EQ(FailedKey("\"teams\""), "(top level)");
}

TEST(ParseTeamsConfigTest, TeamsAsArrayIsRejected) {
  EXPECT_EQ(FailedKey(R"({"teams":[{"id":"team-1"}]})"), "teams");
}

TEST(ParseTeamsConfigTest, TeamMustBeAnObject) {
  EXPECT_EQ(FailedKey(R"({"teams":{"team-1":["p1"]}})"), "teams.team-1");
}

TEST(ParseTeamsConfigTest, ProjectsAsStringIsRejected) {
  auto r = ParseTeamsConfig(R"({"teams":{"team-1":{"projects":"project-1"}}})", "config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.status().fields().size(), 1u);
  EXPECT_EQ(r.status().fields()[0].field, "teams.team-1.projects");
  EXPECT_NE(r.status().message().find("config.json: teams.team-1.projects: "), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("a string"), std::string::npos) << r.status().message();
}

TEST(ParseTeamsConfigTest, ProjectEntriesMustBeStrings) {
  EXPECT_EQ(FailedKey(R"({"teams":{"backend":{"projects":["a",2]}}})"),
            "teams.backend.projects[1]");
}

TEST(ParseTeamsConfigTest, UsersAsStringsAreRejected) {
  auto r = ParseTeamsConfig(R"({"teams":{"team-1":{"users":["u1"]}}})", "config.json");
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.status().fields().empty());
  EXPECT_EQ(r.status().fields()[0].field, "teams.team-1.users[0]");
  // The message shows the object form to use instead.
  EXPECT_NE(r.status().message().find("{\"github_username\": \"u1\"}"), std::string::npos)
      << r.status().message();
}

TEST(ParseTeamsConfigTest, UsersMustBeAnArrayOfObjects) {
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"users":{"github_username":"u"}}}})"), "teams.t.users");
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"users":[{"github_username":"u"},5]}}})"),
            "teams.t.users[1]");
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"users":[{"github_username":7}]}}})"),
            "teams.t.users[0].github_username");
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"users":[{"email":["x"]}]}}})"), "teams.t.users[0].email");
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"users":[{"gitlab_username":1}]}}})"),
            "teams.t.users[0].gitlab_username");
}

TEST(ParseTeamsConfigTest, GitLabUsernamesAreRead) {
  auto r = ParseTeamsConfig(
      R"({"teams":{"t":{"users":[{"github_username":"a-gh","gitlab_username":"a"}]}}})", "x");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->directory.teams()[0].users[0].gitlab_username, "a");
  EXPECT_TRUE(r->directory.HasUser(domain::CodeHost::kGitLab, "a"));
}

TEST(ParseTeamsConfigTest, OptionalTeamStringsAreChecked) {
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"github_team_name":1}}})"), "teams.t.github_team_name");
  EXPECT_EQ(FailedKey(R"({"teams":{"t":{"linear_team_id":"abc","id":"t"}}})"), "");
}

TEST(ParseTeamsConfigTest, TicketingShapes) {
  EXPECT_EQ(FailedKey(R"({"ticketing":[]})"), "ticketing");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":"yes"}})"), "ticketing.linear");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ignore_parent_issues":"true"}}})"),
            "ticketing.linear.ignore_parent_issues");
}

// The block is read into typed options: ignore_parent_issues defaults to true; a parent label
// (when a string) wins over the allow list, as the original reads them.
TEST(ParseTeamsConfigTest, TicketingIsReadIntoOptions) {
  auto none = ParseTeamsConfig("{}", "c.json");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->ticketing.ignore_parent_issues);
  EXPECT_FALSE(none->ticketing.ticket_type_selector);

  auto parent = ParseTeamsConfig(kValid, "c.json");
  ASSERT_TRUE(parent.ok());
  ASSERT_TRUE(parent->ticketing.ticket_type_selector);
  EXPECT_EQ(parent->ticketing.ticket_type_selector->parent_label_id, "parent-id");

  auto allow = ParseTeamsConfig(
      R"({"ticketing":{"linear":{"ignore_parent_issues":false,)"
      R"("ticket_type_selector":{"parent_label_id":null,"allow_list":["l-1","l-2"]}}}})",
      "c.json");
  ASSERT_TRUE(allow.ok()) << allow.status().ToString();
  EXPECT_FALSE(allow->ticketing.ignore_parent_issues);
  const auto& sel = *allow->ticketing.ticket_type_selector;
  EXPECT_FALSE(sel.parent_label_id);
  EXPECT_EQ(sel.allow_list, (std::vector<std::string>{"l-1", "l-2"}));
}

// The Linear team key of a team's tickets (team health): linear_team_id, else the team's id.
TEST(ParseTeamsConfigTest, LinearTeamIdIsTheKeyOfTheTeamsTickets) {
  auto c = ParseTeamsConfig(R"({"teams":{"web":{"linear_team_id":"ENG"},"ops":{}}})", "c.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->directory.LinearTeamOf("web"), "ENG");
  EXPECT_EQ(c->directory.LinearTeamOf("ops"), "ops");
  EXPECT_EQ(c->directory.LinearTeamOf("unlisted"), "unlisted");
  EXPECT_EQ(c->directory.TeamsOfLinearTeam("ENG"), std::vector<std::string>{"web"});
  EXPECT_EQ(c->directory.TeamsOfLinearTeam("DATA"), std::vector<std::string>{"DATA"});
  EXPECT_EQ(FailedKey(R"({"teams":{"web":{"linear_team_id":7}}})"), "teams.web.linear_team_id");
}

// ticketing.new_value_types: the innovation ratio's new-value ticket types, any case.
TEST(ParseTeamsConfigTest, NewValueTypes) {
  auto none = ParseTeamsConfig("{}", "c.json");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->ticketing.new_value_types.empty());
  auto types = ParseTeamsConfig(
      R"({"ticketing":{"new_value_types":["Feature","spec"],"linear":{"ignore_parent_issues":false}}})",
      "c.json");
  ASSERT_TRUE(types.ok()) << types.status().ToString();
  EXPECT_EQ(types->ticketing.new_value_types, (std::vector<std::string>{"feature", "spec"}));
  EXPECT_FALSE(types->ticketing.ignore_parent_issues);
  EXPECT_EQ(FailedKey(R"({"ticketing":{"new_value_types":"feature"}})"),
            "ticketing.new_value_types");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"new_value_types":[]}})"), "ticketing.new_value_types");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"new_value_types":["feature",3]}})"),
            "ticketing.new_value_types[1]");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"new_value_types":["feature",""]}})"),
            "ticketing.new_value_types[1]");
}

TEST(ParseTeamsConfigTest, SelectorNeedsParentLabelOrAllowList) {
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":{}}}})"),
            "ticketing.linear.ticket_type_selector");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":{"other":1}}}})"),
            "ticketing.linear.ticket_type_selector");
}

TEST(ParseTeamsConfigTest, SelectorFieldTypes) {
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":{"parent_label_id":3}}}})"),
            "ticketing.linear.ticket_type_selector.parent_label_id");
  EXPECT_EQ(FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":{"allow_list":"a"}}}})"),
            "ticketing.linear.ticket_type_selector.allow_list");
  EXPECT_EQ(
      FailedKey(R"({"ticketing":{"linear":{"ticket_type_selector":{"allow_list":["a",null]}}}})"),
      "ticketing.linear.ticket_type_selector.allow_list[1]");
}

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "emm-config-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

TEST(ParseTeamsConfigTest, GitHubProjectsAndDeploymentWorkflows) {
  auto r = ParseTeamsConfig(
      R"({"github":{"projects":{"acme/api":"api"},"deployment_workflows":[)"
      R"({"workflow":".github/workflows/deploy.yml","repository":"acme/api","environment":"prod"},)"
      R"({"workflow":"Deploy"}]}})",
      "config.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const GitHubMapping& g = r->github;
  EXPECT_EQ(g.ProjectOf("acme/api"), "api");
  EXPECT_EQ(g.ProjectOf("acme/web"), "acme/web");  // unlisted: its own project
  const DeploymentWorkflow* w = g.FindWorkflow("acme/api", ".github/workflows/deploy.yml", "CD");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->environment, "prod");
  // The second entry matches any repository, by the workflow's name.
  w = g.FindWorkflow("acme/web", ".github/workflows/cd.yml", "Deploy");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->environment, "");
  EXPECT_EQ(g.FindWorkflow("acme/web", ".github/workflows/deploy.yml", "CI"), nullptr);
  EXPECT_EQ(ParseTeamsConfig("{}", "c").value().github.deployment_workflows.size(), 0u);
}

TEST(ParseTeamsConfigTest, GitHubShapesAreChecked) {
  EXPECT_EQ(FailedKey(R"({"github":[]})"), "github");
  EXPECT_EQ(FailedKey(R"({"github":{"repos":{}}})"), "github.repos");
  EXPECT_EQ(FailedKey(R"({"github":{"projects":["a"]}})"), "github.projects");
  EXPECT_EQ(FailedKey(R"({"github":{"projects":{"a/b":1}}})"), "github.projects.a/b");
  EXPECT_EQ(FailedKey(R"({"github":{"projects":{"a/b":""}}})"), "github.projects.a/b");
  EXPECT_EQ(FailedKey(R"({"github":{"deployment_workflows":{}}})"), "github.deployment_workflows");
  EXPECT_EQ(FailedKey(R"({"github":{"deployment_workflows":[{}]}})"),
            "github.deployment_workflows[0].workflow");
  EXPECT_EQ(FailedKey(R"({"github":{"deployment_workflows":[{"workflow":"d","env":"x"}]}})"),
            "github.deployment_workflows[0].env");
  EXPECT_EQ(FailedKey(R"({"github":{"deployment_workflows":[{"workflow":true}]}})"),
            "github.deployment_workflows[0].workflow");
}

TEST(LoadTeamsFileTest, EmptyPathIsAnEmptyConfig) {
  auto r = LoadTeamsFile("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "");
  EXPECT_EQ(r->json, "{}");
  EXPECT_TRUE(r->directory.teams().empty());
}

TEST(LoadTeamsFileTest, MissingFileNamesThePath) {
  TempDir dir;
  fs::path missing = dir.path() / "nope.json";
  auto r = LoadTeamsFile(missing.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(missing.string()), std::string::npos) << r.status().message();
}

// --- incidents: which project an incident tool's incidents belong to ---

TEST(ParseTeamsConfigTest, IncidentRoutingOfBothTools) {
  auto r = ParseTeamsConfig(
      R"({"incidents":{"pagerduty":{"projects":{"PF9KMXH":"api","Mail Service":"mail"},)"
      R"("environment":"production"},"incident_io":{"project_field":"Affected service",)"
      R"("projects":{"Payments":"payments"},"default_project":"ops",)"
      R"("deployment_field":"Deployment"}}})",
      "config.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const IncidentRouting& pd = r->incidents.pagerduty;
  EXPECT_EQ(pd.environment, "production");
  EXPECT_EQ(pd.ProjectOf({"PF9KMXH", "API Service"}), "api");
  EXPECT_EQ(pd.ProjectOf({"PXXXXXX", "Mail Service"}), "mail");  // by name when the id is not listed
  EXPECT_EQ(pd.ProjectOf({"PXXXXXX", "Other"}), "");               // no default: not taken
  const IncidentRouting& io = r->incidents.incident_io;
  EXPECT_EQ(io.project_field, "Affected service");
  EXPECT_EQ(io.deployment_field, "Deployment");
  EXPECT_EQ(io.environment, "");
  EXPECT_EQ(io.ProjectOf({"Payments"}), "payments");
  EXPECT_EQ(io.ProjectOf({"Search"}), "ops");
  EXPECT_EQ(io.ProjectOf({}), "ops");
  // Without an "incidents" key nothing is routed.
  auto none = ParseTeamsConfig("{}", "c.json");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->incidents.pagerduty.ProjectOf({"PF9KMXH"}), "");
}

TEST(ParseTeamsConfigTest, IncidentRoutingErrorsNameTheKey) {
  EXPECT_EQ(FailedKey(R"({"incidents":[]})"), "incidents");
  EXPECT_EQ(FailedKey(R"({"incidents":{"opsgenie":{}}})"), "incidents.opsgenie");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":"api"}})"), "incidents.pagerduty");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"services":{}}}})"),
            "incidents.pagerduty.services");
  // A PagerDuty incident has no custom fields to read.
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"project_field":"x"}}})"),
            "incidents.pagerduty.project_field");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"projects":["api"]}}})"),
            "incidents.pagerduty.projects");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"projects":{"PF9KMXH":1}}}})"),
            "incidents.pagerduty.projects.PF9KMXH");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"projects":{"PF9KMXH":""}}}})"),
            "incidents.pagerduty.projects.PF9KMXH");
  EXPECT_EQ(FailedKey(R"({"incidents":{"pagerduty":{"default_project":""}}})"),
            "incidents.pagerduty.default_project");
  EXPECT_EQ(FailedKey(R"({"incidents":{"incident_io":{"environment":7}}})"),
            "incidents.incident_io.environment");
  // incident.io's keys are values of a custom field: which one must be said.
  EXPECT_EQ(FailedKey(R"({"incidents":{"incident_io":{"projects":{"Payments":"p"}}}})"),
            "incidents.incident_io.projects");
  auto r = ParseTeamsConfig(R"({"incidents":{"pagerduty":{"services":{}}}})", "config.json");
  EXPECT_NE(r.status().message().find("projects, default_project, environment"), std::string::npos)
      << r.status().message();
}

TEST(LoadTeamsFileTest, LoadsAnAbsolutePath) {
  TempDir dir;
  fs::path file = dir.path() / "teams.json";
  WriteFile(file, kValid);
  auto r = LoadTeamsFile(file.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, file.string());
  EXPECT_EQ(r->json, kValid);
  EXPECT_EQ(r->directory.Resolve("p1", ""), "team-1");
}

TEST(LoadTeamsFileTest, RelativePathResolvesAgainstTheWorkingDirectory) {
  TempDir dir;
  fs::create_directories(dir.path() / "conf");
  WriteFile(dir.path() / "conf" / "teams.json", kValid);
  fs::path old = fs::current_path();
  fs::current_path(dir.path());
  auto r = LoadTeamsFile("conf/teams.json");
  fs::current_path(old);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(fs::path(r->path), fs::absolute(dir.path() / "conf" / "teams.json"));
  EXPECT_EQ(r->directory.teams().size(), 2u);
}

TEST(LoadTeamsFileTest, RelativeMissingFileNamesTheAbsolutePath) {
  TempDir dir;
  fs::path old = fs::current_path();
  fs::current_path(dir.path());
  auto r = LoadTeamsFile("missing.json");
  fs::current_path(old);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find((dir.path() / "missing.json").string()), std::string::npos)
      << r.status().message();
}

TEST(LoadTeamsFileTest, InvalidContentNamesTheFileAndKey) {
  TempDir dir;
  fs::path file = dir.path() / "bad.json";
  WriteFile(file, R"({"teams":{"team-1":{"projects":"project-1"}}})");
  auto r = LoadTeamsFile(file.string());
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r.status().fields().empty());
  EXPECT_EQ(r.status().fields()[0].field, "teams.team-1.projects");
  EXPECT_EQ(r.status().message().rfind(file.string() + ": teams.team-1.projects", 0), 0u)
      << r.status().message();
}

TEST(TeamsHolderTest, SetSwapsWhileOldSnapshotsStayValid) {
  auto first = ParseTeamsConfig(R"({"teams":{"a":{"projects":["p"]}}})", "one");
  auto second = ParseTeamsConfig(R"({"teams":{"b":{"projects":["p"]}}})", "two");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  TeamsHolder holder(std::move(*first));
  auto snapshot = holder.Get();
  holder.Set(std::move(*second));
  EXPECT_EQ(snapshot->directory.Resolve("p", ""), "a");
  EXPECT_EQ(holder.Get()->directory.Resolve("p", ""), "b");
  EXPECT_EQ(holder.Get()->path, "two");
}

}  // namespace
}  // namespace emm::config
