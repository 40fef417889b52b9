#include "api/dto/gitlab_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "testing/field_names.h"

namespace emm::api::dto {
namespace {

namespace json = boost::json;

constexpr TimeMs kOpened = 1386091414000;  // 2013-12-03T17:23:34Z

json::object Fixture(const std::string& name) {
  std::ifstream in(std::string(EMM_TESTDATA) + "/gitlab/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).as_object();
}

using emm::testing::FieldNames;

TEST(ReadGitLabMergeRequestTest, TheDocumentedPayload) {
  auto mr = ReadGitLabMergeRequest(Fixture("merge_request_open.json"));
  ASSERT_TRUE(mr.ok()) << mr.status().ToString();
  EXPECT_EQ(mr->id, "gitlab:14!1");
  EXPECT_EQ(mr->action, "open");
  EXPECT_EQ(mr->created_at, kOpened);
  EXPECT_EQ(mr->updated_at, kOpened);  // "2013-12-03 17:23:34 UTC"
  EXPECT_EQ(mr->username, "root");
  EXPECT_TRUE(mr->by_author);
}

TEST(ReadGitLabMergeRequestTest, TheUserIsTheAuthorOnlyWhenTheIdsMatch) {
  json::object body = Fixture("merge_request_open.json");
  body["user"].as_object()["id"] = 7;
  EXPECT_FALSE(ReadGitLabMergeRequest(body)->by_author);
  body["object_attributes"].as_object().erase("author_id");
  EXPECT_FALSE(ReadGitLabMergeRequest(body)->by_author);
  body.erase("user");
  auto mr = ReadGitLabMergeRequest(body);
  ASSERT_TRUE(mr.ok());
  EXPECT_FALSE(mr->by_author);
  EXPECT_EQ(mr->username, std::nullopt);
}

TEST(ReadGitLabMergeRequestTest, ErrorsNameTheirPath) {
  EXPECT_EQ(FieldNames(ReadGitLabMergeRequest(json::object{}).status()),
            std::vector<std::string>{"object_attributes"});
  json::object body = Fixture("merge_request_open.json");
  json::object& attrs = body["object_attributes"].as_object();
  attrs.erase("iid");
  attrs["created_at"] = "yesterday";
  attrs["updated_at"] = 5;
  body["user"].as_object()["username"] = json::array();
  EXPECT_EQ(FieldNames(ReadGitLabMergeRequest(body).status()),
            (std::vector<std::string>{"user.username", "object_attributes.iid",
                                      "object_attributes.created_at",
                                      "object_attributes.updated_at"}));
}

TEST(ReadGitLabDeploymentTest, TheDocumentedPayload) {
  auto d = ReadGitLabDeployment(Fixture("deployment_success.json"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, "gitlab:15");
  EXPECT_EQ(d->status, "success");
  EXPECT_EQ(d->project_id, "root/test-deployment-webhooks");
  EXPECT_EQ(d->environment, "staging");
  EXPECT_EQ(d->at, *ParseTimestamp("2021-04-28T19:50:00Z"));  // "21:50:00 +0200"
  EXPECT_EQ(d->commit_sha, "279484c09fbe69ededfced8c1bb6e6d24616b468");
  EXPECT_EQ(d->username, "root");
}

TEST(ReadGitLabDeploymentTest, ShortShaWithoutACommitUrlAndOptionalFields) {
  json::object body = Fixture("deployment_success.json");
  body.erase("commit_url");
  body.erase("status_changed_at");
  body.erase("user");
  body.erase("environment");
  auto d = ReadGitLabDeployment(body);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->commit_sha, "279484c0");
  EXPECT_EQ(d->at, std::nullopt);
  EXPECT_EQ(d->username, "");
  EXPECT_EQ(d->environment, std::nullopt);
}

TEST(ReadGitLabDeploymentTest, ErrorsNameTheirPath) {
  json::object body = Fixture("deployment_success.json");
  body.erase("deployment_id");
  body["status_changed_at"] = "2021-04-28 21:50:00 CEST";
  body["project"].as_object().erase("path_with_namespace");
  EXPECT_EQ(FieldNames(ReadGitLabDeployment(body).status()),
            (std::vector<std::string>{"deployment_id", "status_changed_at",
                                      "project.path_with_namespace"}));
  body.erase("project");  // named by the field it should hold
  EXPECT_EQ(FieldNames(ReadGitLabDeployment(body).status()),
            (std::vector<std::string>{"deployment_id", "status_changed_at",
                                      "project.path_with_namespace"}));
}

}  // namespace
}  // namespace emm::api::dto
