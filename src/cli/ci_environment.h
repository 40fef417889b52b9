// What a CI job already knows about the deployment it runs: GitHub Actions' and GitLab CI's
// variables, and git's history, as defaults for the CI client's flags (explicit flags win).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"

namespace emm::cli {

struct CiDefaults {
  std::string system;  // "github-actions", "gitlab-ci" or "" (none detected)
  std::optional<std::string> id;           // GITHUB_RUN_ID / CI_PIPELINE_ID
  std::optional<std::string> project_id;   // GITHUB_REPOSITORY / CI_PROJECT_PATH
  std::optional<std::string> environment;  // CI_ENVIRONMENT_NAME (GitHub has no such variable)
  std::optional<std::string> commit_sha;   // GITHUB_SHA / CI_COMMIT_SHA
  std::optional<std::string> before_sha;   // CI_COMMIT_BEFORE_SHA: the previous push's head
  // CI_COMMIT_TIMESTAMP: the shipped commit's time, for when git cannot tell (no git in the job's
  // image, as in em-metrics' own image used by the GitLab CI template; no clone).
  std::optional<std::string> commit_at;
};

// Empty values count as unset; GitLab's all-zero CI_COMMIT_BEFORE_SHA (a new branch) too.
CiDefaults DetectCi(const config::GetEnv& env);

// The git arguments whose first output line is the earliest commit time of what ships: the
// commits after `before_sha` up to `commit_sha` when both are known, else `commit_sha`'s (or
// HEAD's) own time. nullopt when a sha is not a plain hexadecimal object name.
std::optional<std::vector<std::string>> FirstCommitGitArgs(
    const std::optional<std::string>& commit_sha, const std::optional<std::string>& before_sha);

// Runs git (in the working directory) for the time above, as an RFC 3339 UTC timestamp;
// nullopt when git, the repository or the history (a shallow clone) is not there.
std::optional<std::string> FirstCommitAtFromGit(const std::optional<std::string>& commit_sha,
                                                const std::optional<std::string>& before_sha);

}  // namespace emm::cli
