// Pull requests: what the original's REST routes (and, later, the code hosts' webhooks) ask for,
// and the team-health metrics each step produces. Same shape as commands.h: each function runs
// inside one Transaction and either applies completely or leaves nothing behind.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/events.h"
#include "domain/transaction.h"

namespace emm::domain {

struct NewPullRequest {
  std::string id;
  std::string team_id;
  std::optional<TimeMs> opened_at;  // default: now
  std::optional<int64_t> additions;
  std::optional<int64_t> deletions;
  std::string author;  // optional: login or name
};

struct PullRequestReviewed {
  std::string id;
  std::optional<TimeMs> reviewed_at;  // default: now
  bool approved = false;
  int64_t comments = 0;
  std::string reviewer;  // optional: login or name
};

struct PullRequestTransition {
  std::string id;
  std::optional<TimeMs> at;  // default: now
};

// 201: stored, pull_request_opened_count and the size histograms (when positive).
Result<Outcome> CreatePullRequest(Transaction& tx, const CommandContext& ctx,
                                  const NewPullRequest& in);
// Every review is stored and counted (comments per review); the first review and the first
// approval give the time to first review and to approve. 404 for an unknown id.
Result<Outcome> ReviewPullRequest(Transaction& tx, const CommandContext& ctx,
                                  const PullRequestReviewed& in);
// Closed without a merge; a repeat, or a pull request already merged, changes nothing.
Result<Outcome> ClosePullRequest(Transaction& tx, const CommandContext& ctx,
                                 const PullRequestTransition& in);
// Merged: the time to merge and the number of reviews; a repeat changes nothing.
Result<Outcome> MergePullRequest(Transaction& tx, const CommandContext& ctx,
                                 const PullRequestTransition& in);

// The samples each step produces; shared by the live path and the rebuild.
std::vector<Sample> SamplesForPullRequestOpened(const PullRequest& pr);
std::vector<Sample> SamplesForPullRequestReview(const PullRequest& pr, const PullRequestReview& r,
                                                bool first_review, bool first_approval);
std::vector<Sample> SamplesForPullRequestClosed(const PullRequest& pr);
std::vector<Sample> SamplesForPullRequestMerged(const PullRequest& pr);

}  // namespace emm::domain
