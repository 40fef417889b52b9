#include "domain/pull_requests.h"

namespace emm::domain {
namespace {

// Pull request series carry the team only (the original's attributes): no project, no environment.
Sample Make(const MetricDef& def, const PullRequest& pr, double value = 1) {
  return Sample{&def, "", pr.team_id, "", value};
}

double Seconds(TimeMs from, TimeMs to) { return static_cast<double>(to - from) / 1000.0; }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

Result<PullRequest> Existing(Transaction& tx, const std::string& id) {
  auto found = tx.FindPullRequest(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("PullRequest does not exist");
  return std::move(**found);
}

// A time before opened_at (a skewed clock) is stored as sent, but gives no duration: noted, as
// the deployments' and incidents' are.
void NoteBeforeOpened(const CommandContext& ctx, const PullRequest& pr, const char* field,
                      TimeMs at) {
  if (at >= pr.opened_at) return;
  ctx.Note("pull_request", pr.id, field,
           IsBefore(field, at, "opened_at", pr.opened_at) + ": no duration recorded");
}

}  // namespace

std::vector<Sample> SamplesForPullRequestOpened(const PullRequest& pr) {
  std::vector<Sample> out{Make(kPullRequestOpened, pr)};
  if (pr.additions && *pr.additions > 0) {
    out.push_back(Make(kPullRequestLocAdded, pr, static_cast<double>(*pr.additions)));
  }
  if (pr.deletions && *pr.deletions > 0) {
    out.push_back(Make(kPullRequestLocRemoved, pr, static_cast<double>(*pr.deletions)));
  }
  return out;
}

std::vector<Sample> SamplesForPullRequestReview(const PullRequest& pr, const PullRequestReview& r,
                                                bool first_review, bool first_approval) {
  std::vector<Sample> out{
      Make(kPullRequestCommentsPerReview, pr, static_cast<double>(r.comments))};
  if (first_review && r.reviewed_at >= pr.opened_at) {
    out.push_back(Make(kPullRequestTimeToFirstReview, pr, Seconds(pr.opened_at, r.reviewed_at)));
  }
  if (first_approval && r.reviewed_at >= pr.opened_at) {
    out.push_back(Make(kPullRequestTimeToApprove, pr, Seconds(pr.opened_at, r.reviewed_at)));
  }
  return out;
}

std::vector<Sample> SamplesForPullRequestClosed(const PullRequest& pr) {
  return {Make(kPullRequestClosed, pr)};
}

std::vector<Sample> SamplesForPullRequestMerged(const PullRequest& pr) {
  std::vector<Sample> out{Make(kPullRequestMerged, pr),
                          Make(kPullRequestReviewsPerPr, pr, static_cast<double>(pr.reviews))};
  if (pr.merged_at && *pr.merged_at >= pr.opened_at) {
    out.push_back(Make(kPullRequestTimeToMerge, pr, Seconds(pr.opened_at, *pr.merged_at)));
  }
  return out;
}

Result<Outcome> CreatePullRequest(Transaction& tx, const CommandContext& ctx,
                                  const NewPullRequest& in) {
  PullRequest pr;
  pr.id = in.id;
  pr.team_id = in.team_id;
  pr.author = in.author;
  pr.opened_at = in.opened_at.value_or(ctx.now);
  pr.additions = in.additions;
  pr.deletions = in.deletions;
  pr.created_at = ctx.now;
  Status inserted = tx.InsertPullRequest(pr);
  if (inserted.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("id", "pull request " + Quoted(pr.id) + " already exists");
  }
  EMM_RETURN_IF_ERROR(inserted);
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForPullRequestOpened(pr), ctx.now));
  return Outcome::kCreated;
}

Result<Outcome> ReviewPullRequest(Transaction& tx, const CommandContext& ctx,
                                  const PullRequestReviewed& in) {
  auto found = Existing(tx, in.id);
  if (!found.ok()) return found.status();
  PullRequest pr = std::move(*found);
  PullRequestReview review{pr.id, in.reviewed_at.value_or(ctx.now), in.approved, in.comments,
                           in.reviewer};
  const bool first_review = !pr.first_review_at;
  const bool first_approval = review.approved && !pr.first_approved_at;
  if (first_review) pr.first_review_at = review.reviewed_at;
  if (first_approval) pr.first_approved_at = review.reviewed_at;
  ++pr.reviews;
  pr.comments += review.comments;
  EMM_RETURN_IF_ERROR(tx.InsertPullRequestReview(review));
  EMM_RETURN_IF_ERROR(tx.UpdatePullRequest(pr));
  EMM_RETURN_IF_ERROR(
      Record(tx, SamplesForPullRequestReview(pr, review, first_review, first_approval), ctx.now));
  if (first_review || first_approval) NoteBeforeOpened(ctx, pr, "reviewed_at", review.reviewed_at);
  return Outcome::kUpdated;
}

Result<Outcome> ClosePullRequest(Transaction& tx, const CommandContext& ctx,
                                 const PullRequestTransition& in) {
  auto found = Existing(tx, in.id);
  if (!found.ok()) return found.status();
  PullRequest pr = std::move(*found);
  if (pr.closed_at || pr.merged_at) return Outcome::kUnchanged;
  pr.closed_at = in.at.value_or(ctx.now);
  EMM_RETURN_IF_ERROR(tx.UpdatePullRequest(pr));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForPullRequestClosed(pr), ctx.now));
  return Outcome::kUpdated;
}

Result<Outcome> MergePullRequest(Transaction& tx, const CommandContext& ctx,
                                 const PullRequestTransition& in) {
  auto found = Existing(tx, in.id);
  if (!found.ok()) return found.status();
  PullRequest pr = std::move(*found);
  if (pr.merged_at) return Outcome::kUnchanged;
  pr.merged_at = in.at.value_or(ctx.now);
  EMM_RETURN_IF_ERROR(tx.UpdatePullRequest(pr));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForPullRequestMerged(pr), ctx.now));
  NoteBeforeOpened(ctx, pr, "merged_at", *pr.merged_at);
  return Outcome::kUpdated;
}

}  // namespace emm::domain
