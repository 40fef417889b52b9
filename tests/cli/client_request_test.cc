#include "cli/client_request.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace emm::cli {
namespace {

const std::string kNow = "2026-01-02T03:04:05.000Z";

boost::json::object Body(const ClientRequest& r) { return boost::json::parse(r.body).as_object(); }
std::string Str(const boost::json::object& o, const char* key) {
  return std::string(o.at(key).as_string());
}

ClientFields Started() {
  ClientFields f;
  f.id = "42";
  f.project_id = "backend";
  f.first_commit_at = "2026-01-01T00:00:00Z";
  return f;
}

TEST(ClientRequestTest, DeploymentStart) {
  ClientFields f = Started();
  f.kind = "hotfix";
  f.commit_sha = "abc";
  auto r = BuildClientRequest("deployment", "start", f, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, "/api/v1/deployments");
  auto b = Body(*r);
  EXPECT_EQ(Str(b, "id"), "42");
  EXPECT_EQ(Str(b, "project_id"), "backend");
  EXPECT_EQ(Str(b, "first_commit_at"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(Str(b, "kind"), "hotfix");
  EXPECT_EQ(Str(b, "commit_sha"), "abc");
  EXPECT_FALSE(b.contains("deployed_at"));
  EXPECT_FALSE(b.contains("environment"));
}

TEST(ClientRequestTest, DeploymentRecordIsDeployedNowByDefault) {
  auto r = BuildClientRequest("deployment", "record", Started(), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/api/v1/deployments");
  EXPECT_EQ(Str(Body(*r), "deployed_at"), kNow);
}

TEST(ClientRequestTest, DeploymentFinishEncodesTheId) {
  ClientFields f;
  f.id = "build #7";
  auto r = BuildClientRequest("deployment", "finish", f, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, "/api/v1/deployments/build%20%237/deployed");
  EXPECT_FALSE(Body(*r).at("create_if_not_exists").as_bool());
  EXPECT_FALSE(Body(*r).contains("deployed_at"));  // the server's now
}

TEST(ClientRequestTest, FinishCreatingNeedsWhatStartNeeds) {
  ClientFields f;
  f.id = "1";
  f.create_if_not_exists = true;
  auto r = BuildClientRequest("deployment", "finish", f, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().front().field, "--project-id");
}

TEST(ClientRequestTest, StartNamesTheMissingFlag) {
  ClientFields f = Started();
  f.first_commit_at.reset();
  auto r = BuildClientRequest("deployment", "start", f, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().front().field, "--first-commit-at");
  f = Started();
  f.id.reset();
  EXPECT_EQ(BuildClientRequest("deployment", "start", f, kNow).status().fields().front().field,
            "--id");
}

TEST(ClientRequestTest, Incidents) {
  ClientFields f;
  f.project_id = "backend";
  f.deployment_id = "42";
  f.started_at = kNow;
  auto open = BuildClientRequest("incident", "open", f, kNow);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->path, "/api/v1/incidents");
  EXPECT_EQ(Str(Body(*open), "deployment_id"), "42");
  EXPECT_FALSE(Body(*open).contains("id"));  // the server names it

  ClientFields g;
  g.id = "inc/1";
  g.restored_at = kNow;
  auto restore = BuildClientRequest("incident", "restore", g, kNow);
  ASSERT_TRUE(restore.ok());
  EXPECT_EQ(restore->path, "/api/v1/incidents/inc%2F1/restored");
  EXPECT_EQ(Str(Body(*restore), "date"), kNow);
  auto finish = BuildClientRequest("incident", "finish", g, kNow);
  ASSERT_TRUE(finish.ok());
  EXPECT_EQ(finish->path, "/api/v1/incidents/inc%2F1/finished");
  EXPECT_EQ(finish->body, "{}");  // no --finished-at: the server's now
}

TEST(ClientRequestTest, CreatedIdMayHoldSlashes) {
  EXPECT_EQ(CreatedId("/api/v1/incidents", "/api/v1/incidents/incident_group/app_3"),
            "incident_group/app_3");
  EXPECT_EQ(CreatedId("/api/v1/incidents", "/api/v1/incidents/incident_group%2Fapp_3"),
            "incident_group/app_3");
  EXPECT_EQ(CreatedId("/api/v1/deployments", "/api/v1/deployments/42"), "42");
  EXPECT_EQ(CreatedId("/api/v1/deployments", "https://em.example.com/elsewhere/7"), "7");
}

TEST(ClientRequestTest, CiDefaultsFillOnlyUnsetFields) {
  CiDefaults ci;
  ci.id = "run-9";
  ci.project_id = "acme/app";
  ci.environment = "staging";
  ci.commit_sha = "abc";
  ClientFields f;
  f.project_id = "explicit";
  ApplyCiDefaults("deployment", ci, &f);
  EXPECT_EQ(f.id, "run-9");
  EXPECT_EQ(f.project_id, "explicit");
  EXPECT_EQ(f.environment, "staging");
  EXPECT_EQ(f.commit_sha, "abc");

  ClientFields i;
  ApplyCiDefaults("incident", ci, &i);
  EXPECT_EQ(i.id, std::nullopt);  // a pipeline id is not an incident's
  EXPECT_EQ(i.project_id, "acme/app");
}

}  // namespace
}  // namespace emm::cli
