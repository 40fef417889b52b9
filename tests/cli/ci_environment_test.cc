#include "cli/ci_environment.h"

#include <gtest/gtest.h>

#include <map>

namespace emm::cli {
namespace {

config::GetEnv FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CiEnvironmentTest, GitHubActions) {
  CiDefaults d = DetectCi(FakeEnv({{"GITHUB_ACTIONS", "true"},
                                   {"GITHUB_RUN_ID", "123456"},
                                   {"GITHUB_REPOSITORY", "acme/backend"},
                                   {"GITHUB_SHA", "abc123"},
                                   {"CI_PIPELINE_ID", "ignored"}}));
  EXPECT_EQ(d.system, "github-actions");
  EXPECT_EQ(d.id, "123456");
  EXPECT_EQ(d.project_id, "acme/backend");
  EXPECT_EQ(d.commit_sha, "abc123");
  EXPECT_EQ(d.environment, std::nullopt);
}

TEST(CiEnvironmentTest, GitLabCi) {
  CiDefaults d = DetectCi(FakeEnv({{"GITLAB_CI", "true"},
                                   {"CI_PIPELINE_ID", "987"},
                                   {"CI_PROJECT_PATH", "group/app"},
                                   {"CI_ENVIRONMENT_NAME", "production"},
                                   {"CI_COMMIT_SHA", "def456"},
                                   {"CI_COMMIT_BEFORE_SHA", "0123ab"},
                                   {"CI_COMMIT_TIMESTAMP", "2026-01-02T03:04:05+00:00"}}));
  EXPECT_EQ(d.system, "gitlab-ci");
  EXPECT_EQ(d.id, "987");
  EXPECT_EQ(d.project_id, "group/app");
  EXPECT_EQ(d.environment, "production");
  EXPECT_EQ(d.commit_sha, "def456");
  EXPECT_EQ(d.before_sha, "0123ab");
  EXPECT_EQ(d.commit_at, "2026-01-02T03:04:05+00:00");
}

TEST(CiEnvironmentTest, GitLabNewBranchHasNoBeforeSha) {
  CiDefaults d = DetectCi(FakeEnv({{"GITLAB_CI", "true"},
                                   {"CI_COMMIT_BEFORE_SHA", std::string(40, '0')},
                                   {"CI_ENVIRONMENT_NAME", ""}}));
  EXPECT_EQ(d.before_sha, std::nullopt);
  EXPECT_EQ(d.environment, std::nullopt);  // empty counts as unset
}

TEST(CiEnvironmentTest, NoCi) {
  CiDefaults d = DetectCi(FakeEnv({{"GITHUB_RUN_ID", "1"}, {"CI_PIPELINE_ID", "2"}}));
  EXPECT_EQ(d.system, "");
  EXPECT_EQ(d.id, std::nullopt);
}

TEST(CiEnvironmentTest, GitArguments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(FirstCommitGitArgs(std::nullopt, std::nullopt),
            (V{"log", "--format=%ct", "-1", "HEAD"}));
  EXPECT_EQ(FirstCommitGitArgs("abc", "01f"),
            (V{"log", "--format=%ct", "--reverse", "01f..abc"}));
  // Never an option or a revision expression from the environment.
  EXPECT_EQ(FirstCommitGitArgs("--output=x", std::nullopt), std::nullopt);
  EXPECT_EQ(FirstCommitGitArgs("abc", "HEAD~3"), std::nullopt);
}

TEST(CiEnvironmentTest, FirstCommitTimeFromThisCheckout) {
  // The test runs inside the source tree's checkout when it has one; the answer is a UTC time.
  auto t = FirstCommitAtFromGit(std::nullopt, std::nullopt);
  if (!t) GTEST_SKIP() << "no git history here";
  EXPECT_EQ(t->size(), 24u) << *t;
  EXPECT_EQ(t->back(), 'Z');
}

}  // namespace
}  // namespace emm::cli
