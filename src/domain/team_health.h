// Team-health figures of a time range, computed from stored pull requests and their reviews (not
// from metric buckets): counts, exact medians and p90s, merged pull requests per engineer per
// week, and which pull requests count toward each figure and why the others are left out; beside
// them the ticket figures (ticket_health.h). Definitions and rules: docs/team-health.md. Pure:
// plain facts in, plain figures out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "domain/dora.h"
#include "domain/teams.h"
#include "domain/ticket_health.h"

namespace emm::domain {

// Which logins are bots, whose pull requests and reviews no figure counts: GitHub Apps' logins
// (ending in "[bot]", as "dependabot[bot]") and the configured ones (EM_METRICS_BOT_LOGINS), both
// compared without regard to case (GitHub logins are case-insensitive). Immutable; thread-safe.
class BotRule {
 public:
  BotRule() = default;
  explicit BotRule(std::vector<std::string> logins);
  bool IsBot(std::string_view login) const;
  const std::vector<std::string>& logins() const { return logins_; }  // lower case

 private:
  std::vector<std::string> logins_;
};

// One stored review. An empty reviewer: not known (a REST call that did not name one).
struct ReviewFact {
  TimeMs reviewed_at = 0;
  bool approved = false;
  std::string reviewer;
};

// One stored pull request with every one of its reviews (in any order), whenever they happened.
struct PullRequestFact {
  std::string id;
  std::string team_id;  // empty: no team could be resolved
  std::string author;   // empty: not known
  TimeMs opened_at = 0;
  std::optional<TimeMs> merged_at;
  std::optional<TimeMs> closed_at;  // closed without a merge
  std::optional<int64_t> additions;
  std::optional<int64_t> deletions;
  std::vector<ReviewFact> reviews;
};

// What a range's figures are computed from, already narrowed to the query's teams.
struct TeamHealthFacts {
  // Every pull request with something in the range: opened, merged, closed or reviewed in it.
  std::vector<PullRequestFact> pull_requests;
  // The teams the answer is about: those the query named, or, without a team filter, every team
  // of `pull_requests`. Their engineers are counted (TeamHealthContext).
  std::vector<std::string> teams;
  // Every ticket with something in the range: first done, created, canceled or re-opened in it.
  std::vector<TicketFact> tickets = {};
};

// Who counts as an engineer: the teams file's users, minus bots. Pointers outlive the call.
struct TeamHealthContext {
  const TeamDirectory* directory = nullptr;  // null: no team lists anyone
  const BotRule* bots = nullptr;             // null: "[bot]" logins only
  const TicketingOptions* ticketing = nullptr;  // null: the defaults (no new-value type)
};

// The engineers of the range: the users the teams list (by GitHub login, not bots) who authored a
// pull request of their team opened or merged in the range, or reviewed one in it. Unknown (no
// count) when a team lists no GitHub user, when pull requests have no team, or when a pull request
// or review of the range has no login: then whoever did it cannot be told apart, and dividing by
// a guess would mislead.
struct EngineerCount {
  std::optional<size_t> count;
  std::string unknown_reason;  // set when count is null
};

struct PullRequestReport {
  TimeMs from = 0;
  TimeMs to = 0;
  size_t opened = 0;  // opened_at in the range
  size_t merged = 0;  // merged_at in the range
  size_t closed = 0;  // closed without a merge, closed_at in the range
  EngineerCount engineers;
  // merged / engineers / weeks of the range; null with a reason when there is no such number.
  std::optional<double> merged_per_engineer_per_week;
  std::string per_engineer_reason;
  double weeks = 0;  // the range's length in weeks (7 days)
  // Seconds from opened_at to the first review by a person, to the first approval by one, to the
  // merge; each counted in the range its ending event falls in.
  DurationStats time_to_first_review;
  DurationStats time_to_approve;
  DurationStats time_to_merge;
  // Per pull request merged in the range: reviews by people up to the merge, and additions +
  // deletions (lines).
  DurationStats reviews_per_pr;
  size_t reviews = 0;  // the reviews summed by reviews_per_pr
  DurationStats size;
};

struct TeamHealthReport {
  TimeMs from = 0;
  TimeMs to = 0;
  PullRequestReport pull_requests;
  TicketReport tickets;
};

// The figures of each of `ranges` (ascending, not overlapping, each from < to), in one pass over
// the facts whatever the number of ranges: interval=week over a year is 53 ranges.
std::vector<TeamHealthReport> ComputeTeamHealth(const TeamHealthFacts& facts,
                                                std::span<const std::pair<TimeMs, TimeMs>> ranges,
                                                const TeamHealthContext& context);

// The figures of [from, to).
TeamHealthReport ComputeTeamHealth(const TeamHealthFacts& facts, TimeMs from, TimeMs to,
                                   const TeamHealthContext& context);

// The facts of each team (key: team id, "" for pull requests and tickets without one), in key
// order. A pull request is its team_id's; a ticket is each team whose Linear team it carries
// (TeamDirectory::TeamsOfLinearTeam; null directory: its team_id's), among `facts.teams` when
// they are given.
std::vector<std::pair<std::string, TeamHealthFacts>> PartitionByTeam(
    const TeamHealthFacts& facts, const TeamDirectory* directory);

// --- Explanations: GET /api/v1/metrics/team-health/explain ---

enum class TeamHealthFigure {
  kOpened,
  kMerged,
  kClosed,
  kMergedPerEngineerPerWeek,
  kTimeToFirstReview,
  kTimeToApprove,
  kTimeToMerge,
  kReviewsPerPr,
  kSize,
};

std::optional<TeamHealthFigure> TeamHealthFigureNamed(std::string_view name);
const char* TeamHealthFigureName(TeamHealthFigure figure);
// Every figure's name, in the order of the enum (for messages).
std::span<const std::string_view> TeamHealthFigureNames();
// Whether a counted pull request's value is a duration (milliseconds), else a number (reviews,
// lines) or none (the counts).
bool IsDurationFigure(TeamHealthFigure figure);

struct CountedPullRequest {
  const PullRequestFact* pull_request = nullptr;
  std::optional<int64_t> value;          // ms for durations, reviews, lines; none for counts
  const ReviewFact* review = nullptr;    // time_to_first_review, time_to_approve: that review
  std::vector<const ReviewFact*> reviews;  // reviews_per_pr: the reviews counted
};

struct LeftOutPullRequest {
  std::string id;
  std::string reason;
};

// A login that did something in the range, and whether it counts as an engineer.
struct Contributor {
  std::string login;
  std::string team_id;  // the team of the pull requests it authored or reviewed
  size_t authored = 0;  // pull requests opened or merged in the range
  size_t reviewed = 0;  // reviews in the range
  bool engineer = false;
  std::string reason;  // why not, when not
};

struct TeamHealthExplanation {
  // By the figure's event time (opened_at, merged_at, closed_at, the review), then id.
  std::vector<CountedPullRequest> counted;
  // Pull requests whose event falls in the range but do not count, then those opened in the range
  // that have not reached the figure's event in it; each with the reason.
  std::vector<LeftOutPullRequest> left_out;
  // merged_per_engineer_per_week only: who did what, by team then login, and the count.
  std::vector<Contributor> contributors;
  EngineerCount engineers;
};

// Points into `facts`, which must outlive the result.
TeamHealthExplanation ExplainTeamHealth(TeamHealthFigure figure, const TeamHealthFacts& facts,
                                        TimeMs from, TimeMs to, const TeamHealthContext& context);

}  // namespace emm::domain
