#include "domain/team_health.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "common/strings.h"
#include "domain/explain.h"
#include "domain/figure_names.h"

namespace emm::domain {
namespace {

constexpr double kWeekMs = 7.0 * 86400000.0;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

bool IsBotLogin(const TeamHealthContext& c, std::string_view login) {
  return c.bots != nullptr ? c.bots->IsBot(login) : BotRule().IsBot(login);
}

// A review a person made (or one whose reviewer is not known: nothing says it was a bot).
bool ByPerson(const ReviewFact& r, const TeamHealthContext& c) {
  return !IsBotLogin(c, r.reviewer);
}

// Whether reviews_per_pr counts this review of a merged pull request: a person's, up to the merge.
bool CountsAsReview(const ReviewFact& r, const PullRequestFact& pr, const TeamHealthContext& c) {
  return pr.merged_at && r.reviewed_at <= *pr.merged_at && ByPerson(r, c);
}

// What one pull request gives the figures, whatever the range.
struct Derived {
  bool bot_author = false;
  const ReviewFact* first_review = nullptr;    // the earliest review by a person
  const ReviewFact* first_approval = nullptr;  // the earliest approval by a person
  bool bot_reviewed = false;                   // some review was a bot's
  int64_t reviews_until_merge = 0;
};

Derived Derive(const PullRequestFact& pr, const TeamHealthContext& c) {
  Derived d;
  d.bot_author = IsBotLogin(c, pr.author);
  for (const ReviewFact& r : pr.reviews) {
    if (!ByPerson(r, c)) {
      d.bot_reviewed = true;
      continue;
    }
    if (!d.first_review || r.reviewed_at < d.first_review->reviewed_at) d.first_review = &r;
    if (r.approved && (!d.first_approval || r.reviewed_at < d.first_approval->reviewed_at)) {
      d.first_approval = &r;
    }
    if (CountsAsReview(r, pr, c)) ++d.reviews_until_merge;
  }
  return d;
}

// The instant that puts a pull request in a range for `figure`; none: it never happened.
std::optional<TimeMs> EventOf(TeamHealthFigure f, const PullRequestFact& pr, const Derived& d) {
  switch (f) {
    case TeamHealthFigure::kOpened:
      return pr.opened_at;
    case TeamHealthFigure::kClosed:
      return pr.closed_at;
    case TeamHealthFigure::kTimeToFirstReview:
      return d.first_review ? std::optional(d.first_review->reviewed_at) : std::nullopt;
    case TeamHealthFigure::kTimeToApprove:
      return d.first_approval ? std::optional(d.first_approval->reviewed_at) : std::nullopt;
    default:  // every other figure is about merged pull requests
      return pr.merged_at;
  }
}

// Whether a pull request whose event falls in the range counts, and its value.
struct Assessed {
  enum Kind { kCounted, kBotAuthor, kOutOfOrder, kNoSize } kind = kCounted;
  int64_t value = 0;                 // ms, reviews or lines
  const ReviewFact* review = nullptr;  // the first review or approval
  std::string_view field;            // kOutOfOrder: the field before opened_at
};

Assessed Assess(TeamHealthFigure f, const PullRequestFact& pr, const Derived& d, TimeMs event) {
  Assessed a;
  if (d.bot_author) {
    a.kind = Assessed::kBotAuthor;
    return a;
  }
  auto duration = [&](std::string_view field) {
    a.value = event - pr.opened_at;
    if (a.value < 0) {
      a.kind = Assessed::kOutOfOrder;
      a.field = field;
    }
  };
  switch (f) {
    case TeamHealthFigure::kTimeToFirstReview:
      a.review = d.first_review;
      duration("reviewed_at");
      break;
    case TeamHealthFigure::kTimeToApprove:
      a.review = d.first_approval;
      duration("reviewed_at");
      break;
    case TeamHealthFigure::kTimeToMerge:
      duration("merged_at");
      break;
    case TeamHealthFigure::kReviewsPerPr:
      a.value = d.reviews_until_merge;
      break;
    case TeamHealthFigure::kSize:
      if (!pr.additions || !pr.deletions) {
        a.kind = Assessed::kNoSize;
      } else {
        a.value = *pr.additions + *pr.deletions;
      }
      break;
    default:
      break;
  }
  return a;
}

std::string LeftOutReason(const Assessed& a, const PullRequestFact& pr, TimeMs event) {
  switch (a.kind) {
    case Assessed::kBotAuthor:
      return "authored by a bot (" + pr.author + ")";
    case Assessed::kOutOfOrder:
      return OutOfOrder(a.field, event, "opened_at", pr.opened_at);
    case Assessed::kNoSize:
      return "no size: additions and deletions were not both given";
    case Assessed::kCounted:
      break;
  }
  return "";
}

// Why a pull request opened in [from, to) does not reach the figure's event inside the range.
std::string PendingReason(TeamHealthFigure f, const PullRequestFact& pr, const Derived& d) {
  auto outside = [](std::string_view what, TimeMs at) {
    return std::string(what) + " at " + FormatTimestamp(at) + ", outside the range";
  };
  switch (f) {
    case TeamHealthFigure::kClosed:
      if (pr.merged_at) return "merged, not closed without a merge";
      return pr.closed_at ? outside("closed", *pr.closed_at) : "still open";
    case TeamHealthFigure::kTimeToFirstReview:
      if (d.first_review) return outside("first reviewed by a person", d.first_review->reviewed_at);
      return d.bot_reviewed ? "reviewed by bots only" : "not reviewed yet";
    case TeamHealthFigure::kTimeToApprove:
      if (d.first_approval) {
        return outside("first approved by a person", d.first_approval->reviewed_at);
      }
      return "not approved by a person yet";
    default:
      if (pr.merged_at) return outside("merged", *pr.merged_at);
      return pr.closed_at ? "closed without a merge" : "not merged yet";
  }
}

// Who the teams in scope list as engineers, and why their engineers may not be knowable.
class Roster {
 public:
  Roster(const TeamHealthFacts& facts, const TeamHealthContext& c) : context_(c) {
    std::vector<std::string> teams = facts.teams;
    for (const PullRequestFact& pr : facts.pull_requests) {
      if (std::find(teams.begin(), teams.end(), pr.team_id) == teams.end()) {
        teams.push_back(pr.team_id);
      }
    }
    for (const std::string& team : teams) {
      Logins& logins = listed_[team];
      const Team* t = team.empty() || c.directory == nullptr ? nullptr : c.directory->FindTeam(team);
      if (t != nullptr) {
        for (const TeamUser& u : t->users) {
          // One person, whichever code host their pull requests come from.
          const std::string& person = u.github_username.empty() ? u.gitlab_username
                                                                : u.github_username;
          for (const std::string* login : {&u.github_username, &u.gitlab_username}) {
            if (!login->empty() && !IsBotLogin(c, *login)) logins.emplace(*login, person);
          }
        }
      }
      std::string why;
      if (team.empty()) {
        why = "some pull requests have no team: their engineers cannot be known";
      } else if (logins.empty()) {
        why = "team " + Quoted(team) + " lists no GitHub or GitLab users in the teams file";
      }
      if (!why.empty()) unknown_ += (unknown_.empty() ? "" : "; ") + why;
    }
  }

  // The engineers a team lists, not bots: each GitHub or GitLab login -> the person (their GitHub
  // login, else their GitLab one). Views into the directory.
  using Logins = std::unordered_map<std::string_view, std::string_view>;
  const Logins& Of(std::string_view team) const {
    static const Logins kNone;
    auto it = listed_.find(team);
    return it == listed_.end() ? kNone : it->second;
  }
  bool IsEngineer(std::string_view team, std::string_view login) const {
    return Of(team).count(login) > 0;
  }
  bool IsBot(std::string_view login) const { return IsBotLogin(context_, login); }
  // Why no engineer count can be given whatever the activity ("" when one can).
  const std::string& unknown() const { return unknown_; }

 private:
  const TeamHealthContext& context_;
  std::map<std::string, Logins, std::less<>> listed_;
  std::string unknown_;
};

// Calls fn(login, at, is_review) for each thing someone did on `pr`: authoring it (at its opening
// and at its merge) and each review.
template <typename Fn>
void ForEachActivity(const PullRequestFact& pr, Fn&& fn) {
  fn(std::string_view(pr.author), pr.opened_at, false);
  if (pr.merged_at) fn(std::string_view(pr.author), *pr.merged_at, false);
  for (const ReviewFact& r : pr.reviews) fn(std::string_view(r.reviewer), r.reviewed_at, true);
}

// Who was active in one range, as far as the engineer count goes.
struct Activity {
  std::unordered_set<std::string_view> engineers;  // persons (Roster::Logins' values)
  size_t unattributed_pull_requests = 0;
  size_t unattributed_reviews = 0;
  const PullRequestFact* last_unattributed = nullptr;  // a pull request counts once

  // `team`: the engineers of pr's team (Roster::Of).
  void Add(const Roster::Logins& team, const PullRequestFact& pr, std::string_view login,
           bool is_review) {
    if (login.empty()) {
      if (is_review) {
        ++unattributed_reviews;
      } else if (last_unattributed != &pr) {
        ++unattributed_pull_requests;
        last_unattributed = &pr;
      }
      return;
    }
    if (auto person = team.find(login); person != team.end()) engineers.insert(person->second);
  }

  EngineerCount Count(const Roster& roster) const {
    if (!roster.unknown().empty()) return {std::nullopt, roster.unknown()};
    if (unattributed_pull_requests + unattributed_reviews > 0) {
      std::string what;
      if (unattributed_pull_requests > 0) {
        what = Plural(unattributed_pull_requests, "pull request has no author",
                      "pull requests have no author");
      }
      if (unattributed_reviews > 0) {
        what += (what.empty() ? "" : " and ") +
                Plural(unattributed_reviews, "review has no reviewer", "reviews have no reviewer");
      }
      return {std::nullopt, what + " in the range: who was active cannot be known"};
    }
    return {engineers.size(), ""};
  }
};

// One range's accumulators.
struct Bucket {
  PullRequestReport report;
  std::vector<double> first_review, approve, merge, reviews, size;
  Activity activity;
};

constexpr TeamHealthFigure kComputed[] = {
    TeamHealthFigure::kOpened,        TeamHealthFigure::kMerged,
    TeamHealthFigure::kClosed,        TeamHealthFigure::kTimeToFirstReview,
    TeamHealthFigure::kTimeToApprove, TeamHealthFigure::kTimeToMerge,
    TeamHealthFigure::kReviewsPerPr,  TeamHealthFigure::kSize,
};

void Add(Bucket& b, TeamHealthFigure f, const Assessed& a) {
  constexpr double kMs = 1000.0;
  PullRequestReport& r = b.report;
  switch (f) {
    case TeamHealthFigure::kOpened:
      ++r.opened;
      break;
    case TeamHealthFigure::kMerged:
      ++r.merged;
      break;
    case TeamHealthFigure::kClosed:
      ++r.closed;
      break;
    case TeamHealthFigure::kTimeToFirstReview:
      b.first_review.push_back(static_cast<double>(a.value) / kMs);
      break;
    case TeamHealthFigure::kTimeToApprove:
      b.approve.push_back(static_cast<double>(a.value) / kMs);
      break;
    case TeamHealthFigure::kTimeToMerge:
      b.merge.push_back(static_cast<double>(a.value) / kMs);
      break;
    case TeamHealthFigure::kReviewsPerPr:
      b.reviews.push_back(static_cast<double>(a.value));
      r.reviews += static_cast<size_t>(a.value);
      break;
    case TeamHealthFigure::kSize:
      b.size.push_back(static_cast<double>(a.value));
      break;
    default:
      break;
  }
}

void Finish(Bucket& b, const Roster& roster) {
  PullRequestReport& r = b.report;
  r.time_to_first_review = Summarize(std::move(b.first_review));
  r.time_to_approve = Summarize(std::move(b.approve));
  r.time_to_merge = Summarize(std::move(b.merge));
  r.reviews_per_pr = Summarize(std::move(b.reviews));
  r.size = Summarize(std::move(b.size));
  r.weeks = static_cast<double>(r.to - r.from) / kWeekMs;
  r.engineers = b.activity.Count(roster);
  if (!r.engineers.count) {
    r.per_engineer_reason = r.engineers.unknown_reason;
  } else if (*r.engineers.count == 0) {
    r.per_engineer_reason = "no engineer authored or reviewed a pull request in the range";
  } else {
    r.merged_per_engineer_per_week =
        static_cast<double>(r.merged) / static_cast<double>(*r.engineers.count) / r.weeks;
  }
}

constexpr FigureNaming<TeamHealthFigure> kFigures[] = {
    {TeamHealthFigure::kOpened, "opened"},
    {TeamHealthFigure::kMerged, "merged"},
    {TeamHealthFigure::kClosed, "closed"},
    {TeamHealthFigure::kMergedPerEngineerPerWeek, "merged_per_engineer_per_week"},
    {TeamHealthFigure::kTimeToFirstReview, "time_to_first_review"},
    {TeamHealthFigure::kTimeToApprove, "time_to_approve"},
    {TeamHealthFigure::kTimeToMerge, "time_to_merge"},
    {TeamHealthFigure::kReviewsPerPr, "reviews_per_pr"},
    {TeamHealthFigure::kSize, "size"},
};
constexpr auto kFigureNames = NamesOf(kFigures);

}  // namespace

BotRule::BotRule(std::vector<std::string> logins) {
  for (const std::string& l : logins) {
    if (!l.empty()) logins_.push_back(AsciiLower(l));
  }
}

bool BotRule::IsBot(std::string_view login) const {
  constexpr std::string_view kSuffix = "[bot]";
  if (login.size() >= kSuffix.size() &&
      EqualsAsciiLower(login.substr(login.size() - kSuffix.size()), kSuffix)) {
    return true;
  }
  return !login.empty() && std::any_of(logins_.begin(), logins_.end(), [&](const std::string& l) {
    return EqualsAsciiLower(login, l);
  });
}

std::vector<TeamHealthReport> ComputeTeamHealth(const TeamHealthFacts& facts,
                                                std::span<const std::pair<TimeMs, TimeMs>> ranges,
                                                const TeamHealthContext& context) {
  const Roster roster(facts, context);
  std::vector<Bucket> buckets(ranges.size());
  for (size_t k = 0; k < ranges.size(); ++k) {
    buckets[k].report.from = ranges[k].first;
    buckets[k].report.to = ranges[k].second;
  }
  auto find = [&](TimeMs t) -> Bucket* {
    const std::optional<size_t> k = BucketOf(ranges, t);
    return k ? &buckets[*k] : nullptr;
  };
  for (const PullRequestFact& pr : facts.pull_requests) {
    const Derived d = Derive(pr, context);
    for (TeamHealthFigure f : kComputed) {
      const std::optional<TimeMs> event = EventOf(f, pr, d);
      if (!event) continue;
      Bucket* b = find(*event);
      if (b == nullptr) continue;
      const Assessed a = Assess(f, pr, d, *event);
      if (a.kind == Assessed::kCounted) Add(*b, f, a);
    }
    const Roster::Logins& team = roster.Of(pr.team_id);
    ForEachActivity(pr, [&](std::string_view login, TimeMs at, bool is_review) {
      if (Bucket* b = find(at)) b->activity.Add(team, pr, login, is_review);
    });
  }
  static const TicketingOptions kDefaults;
  std::vector<TicketReport> tickets = ComputeTicketHealth(
      facts.tickets, ranges, context.ticketing != nullptr ? *context.ticketing : kDefaults);
  std::vector<TeamHealthReport> out(ranges.size());
  for (size_t k = 0; k < ranges.size(); ++k) {
    Finish(buckets[k], roster);
    out[k].from = ranges[k].first;
    out[k].to = ranges[k].second;
    out[k].pull_requests = std::move(buckets[k].report);
    out[k].tickets = std::move(tickets[k]);
  }
  return out;
}

TeamHealthReport ComputeTeamHealth(const TeamHealthFacts& facts, TimeMs from, TimeMs to,
                                   const TeamHealthContext& context) {
  const std::pair<TimeMs, TimeMs> range{from, to};
  return std::move(ComputeTeamHealth(facts, std::span(&range, 1), context).front());
}

std::vector<std::pair<std::string, TeamHealthFacts>> PartitionByTeam(
    const TeamHealthFacts& facts, const TeamDirectory* directory) {
  std::map<std::string, TeamHealthFacts> parts;
  for (const std::string& team : facts.teams) parts[team];
  for (const PullRequestFact& pr : facts.pull_requests) {
    parts[pr.team_id].pull_requests.push_back(pr);
  }
  // A ticket carries its Linear team; the teams of the answer are those that claim it.
  auto linear_team_of = [&](std::string_view team) {
    return directory != nullptr ? directory->LinearTeamOf(team) : team;
  };
  const std::set<std::string> asked(facts.teams.begin(), facts.teams.end());
  for (const TicketFact& t : facts.tickets) {
    if (!asked.empty()) {
      for (const std::string& team : asked) {
        if (linear_team_of(team) == t.team_id) parts[team].tickets.push_back(t);
      }
    } else if (directory == nullptr || t.team_id.empty()) {
      parts[t.team_id].tickets.push_back(t);
    } else {
      for (const std::string& team : directory->TeamsOfLinearTeam(t.team_id)) {
        parts[team].tickets.push_back(t);
      }
    }
  }
  std::vector<std::pair<std::string, TeamHealthFacts>> out;
  for (auto& [team, part] : parts) {
    part.teams = {team};
    out.emplace_back(team, std::move(part));
  }
  return out;
}

std::optional<TeamHealthFigure> TeamHealthFigureNamed(std::string_view name) {
  return FigureOfName(kFigures, name);
}

const char* TeamHealthFigureName(TeamHealthFigure figure) {
  return NameOfFigure(kFigures, figure);
}

std::span<const std::string_view> TeamHealthFigureNames() { return kFigureNames; }

bool IsDurationFigure(TeamHealthFigure figure) {
  return figure == TeamHealthFigure::kTimeToFirstReview ||
         figure == TeamHealthFigure::kTimeToApprove || figure == TeamHealthFigure::kTimeToMerge;
}

TeamHealthExplanation ExplainTeamHealth(TeamHealthFigure figure, const TeamHealthFacts& facts,
                                        TimeMs from, TimeMs to, const TeamHealthContext& context) {
  TeamHealthExplanation out;
  // merged_per_engineer_per_week's pull requests are the merged ones.
  const TeamHealthFigure f =
      figure == TeamHealthFigure::kMergedPerEngineerPerWeek ? TeamHealthFigure::kMerged : figure;
  auto in_range = [&](TimeMs t) { return t >= from && t < to; };
  using Keyed = std::pair<TimeMs, const std::string*>;  // the event, the id
  std::vector<std::pair<Keyed, CountedPullRequest>> counted;
  std::vector<std::pair<Keyed, LeftOutPullRequest>> left_out, pending;
  for (const PullRequestFact& pr : facts.pull_requests) {
    const Derived d = Derive(pr, context);
    const std::optional<TimeMs> event = EventOf(f, pr, d);
    if (event && in_range(*event)) {
      const Assessed a = Assess(f, pr, d, *event);
      const Keyed key{*event, &pr.id};
      if (a.kind != Assessed::kCounted) {
        left_out.push_back({key, {pr.id, LeftOutReason(a, pr, *event)}});
        continue;
      }
      CountedPullRequest c{&pr, std::nullopt, a.review, {}};
      if (f != TeamHealthFigure::kOpened && f != TeamHealthFigure::kMerged &&
          f != TeamHealthFigure::kClosed) {
        c.value = a.value;
      }
      if (f == TeamHealthFigure::kReviewsPerPr) {
        for (const ReviewFact& r : pr.reviews) {
          if (CountsAsReview(r, pr, context)) c.reviews.push_back(&r);
        }
        std::stable_sort(c.reviews.begin(), c.reviews.end(), [](const auto* a, const auto* b) {
          return a->reviewed_at < b->reviewed_at;
        });
      }
      counted.push_back({key, std::move(c)});
    } else if (in_range(pr.opened_at)) {
      pending.push_back({{pr.opened_at, &pr.id}, {pr.id, PendingReason(f, pr, d)}});
    }
  }
  auto by_key = [](const auto& a, const auto& b) {
    return std::tie(a.first.first, *a.first.second) < std::tie(b.first.first, *b.first.second);
  };
  std::stable_sort(counted.begin(), counted.end(), by_key);
  std::stable_sort(left_out.begin(), left_out.end(), by_key);
  std::stable_sort(pending.begin(), pending.end(), by_key);
  for (auto& [key, c] : counted) out.counted.push_back(std::move(c));
  for (auto& [key, l] : left_out) out.left_out.push_back(std::move(l));
  for (auto& [key, l] : pending) out.left_out.push_back(std::move(l));

  if (figure != TeamHealthFigure::kMergedPerEngineerPerWeek) return out;
  // Who did what in the range, by team and login; the count is ComputeTeamHealth's.
  const Roster roster(facts, context);
  Activity activity;
  std::map<std::pair<std::string_view, std::string_view>, Contributor> who;
  for (const PullRequestFact& pr : facts.pull_requests) {
    const PullRequestFact* authored = nullptr;  // a pull request counts once per author
    ForEachActivity(pr, [&](std::string_view login, TimeMs at, bool is_review) {
      if (!in_range(at)) return;
      activity.Add(roster.Of(pr.team_id), pr, login, is_review);
      Contributor& c = who[{pr.team_id, login}];
      if (is_review) {
        ++c.reviewed;
      } else if (authored != &pr) {
        ++c.authored;
        authored = &pr;
      }
    });
  }
  for (auto& [key, c] : who) {
    c.team_id = std::string(key.first);
    c.login = std::string(key.second);
    c.engineer = roster.IsEngineer(c.team_id, c.login);
    if (c.login.empty()) {
      c.reason = "no login recorded: who this was cannot be known";
    } else if (roster.IsBot(c.login)) {
      c.reason = "a bot";
    } else if (!c.engineer) {
      c.reason = "not a user of team " + Quoted(c.team_id) + " in the teams file";
    }
    out.contributors.push_back(std::move(c));
  }
  out.engineers = activity.Count(roster);
  return out;
}

}  // namespace emm::domain
