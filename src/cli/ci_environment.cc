#include "cli/ci_environment.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "common/time.h"

namespace emm::cli {
namespace {

std::optional<std::string> NonEmpty(const config::GetEnv& env, const char* name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool IsObjectName(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// stdout of `git args...` (no shell: the shas come from the environment), or nullopt on failure.
std::optional<std::string> RunGit(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>("git")};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp("git", argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

}  // namespace

CiDefaults DetectCi(const config::GetEnv& env) {
  CiDefaults d;
  if (NonEmpty(env, "GITHUB_ACTIONS")) {
    d.system = "github-actions";
    d.id = NonEmpty(env, "GITHUB_RUN_ID");
    d.project_id = NonEmpty(env, "GITHUB_REPOSITORY");
    d.commit_sha = NonEmpty(env, "GITHUB_SHA");
  } else if (NonEmpty(env, "GITLAB_CI")) {
    d.system = "gitlab-ci";
    d.id = NonEmpty(env, "CI_PIPELINE_ID");
    d.project_id = NonEmpty(env, "CI_PROJECT_PATH");
    d.environment = NonEmpty(env, "CI_ENVIRONMENT_NAME");
    d.commit_sha = NonEmpty(env, "CI_COMMIT_SHA");
    d.before_sha = NonEmpty(env, "CI_COMMIT_BEFORE_SHA");
    d.commit_at = NonEmpty(env, "CI_COMMIT_TIMESTAMP");
    if (d.before_sha && d.before_sha->find_first_not_of('0') == std::string::npos) {
      d.before_sha.reset();
    }
  }
  return d;
}

std::optional<std::vector<std::string>> FirstCommitGitArgs(
    const std::optional<std::string>& commit_sha, const std::optional<std::string>& before_sha) {
  if (commit_sha && !IsObjectName(*commit_sha)) return std::nullopt;
  if (before_sha && !IsObjectName(*before_sha)) return std::nullopt;
  std::string head = commit_sha.value_or("HEAD");
  std::vector<std::string> args{"log", "--format=%ct"};
  if (before_sha) {
    args.push_back("--reverse");
    args.push_back(*before_sha + ".." + head);
  } else {
    args.push_back("-1");
    args.push_back(head);
  }
  return args;
}

std::optional<std::string> FirstCommitAtFromGit(const std::optional<std::string>& commit_sha,
                                                const std::optional<std::string>& before_sha) {
  auto args = FirstCommitGitArgs(commit_sha, before_sha);
  if (!args) return std::nullopt;
  auto out = RunGit(*args);
  if (!out || out->empty()) return std::nullopt;
  // %ct: seconds since the epoch, so no time zone needs parsing.
  int64_t seconds = 0;
  for (char c : out->substr(0, out->find('\n'))) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return FormatTimestamp(seconds * 1000);
}

}  // namespace emm::cli
