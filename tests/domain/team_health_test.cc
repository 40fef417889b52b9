// Team-health figures on hand-built fixtures; every expected value is worked out in the comments.
#include "domain/team_health.h"

#include <gtest/gtest.h>

namespace emm::domain {
namespace {

constexpr TimeMs kMin = 60000, kHour = 60 * kMin, kDay = 24 * kHour;
// A Monday: the range is the two weeks [kT0, kT0 + 14 days).
const TimeMs kT0 = *ParseTimestamp("2024-03-04T00:00:00Z");
const TimeMs kT1 = kT0 + 14 * kDay;

ReviewFact Review(TimeMs at, std::string reviewer, bool approved = false) {
  return ReviewFact{at, approved, std::move(reviewer)};
}

PullRequestFact Pr(std::string id, std::string author, TimeMs opened,
                   std::optional<TimeMs> merged = std::nullopt, std::vector<ReviewFact> reviews = {},
                   std::string team = "web") {
  PullRequestFact pr;
  pr.id = std::move(id);
  pr.team_id = std::move(team);
  pr.author = std::move(author);
  pr.opened_at = opened;
  pr.merged_at = merged;
  pr.additions = 10;
  pr.deletions = 5;
  pr.reviews = std::move(reviews);
  return pr;
}

// web lists alice, bob, carol and a bot; api lists nobody with a GitHub login.
TeamDirectory Directory() {
  return TeamDirectory({Team{"web",
                             {"site"},
                             {{"alice", "", ""},
                              {"bob", "", ""},
                              {"carol", "", ""},
                              {"renovate[bot]", "", ""}}},
                        Team{"api", {"api"}, {{"", "ops@example.com", ""}}}});
}

class TeamHealthTest : public ::testing::Test {
 protected:
  TeamHealthContext Context() const { return {&directory_, &bots_}; }
  PullRequestReport Compute(TimeMs from = kT0, TimeMs to = kT1) const {
    return ComputeTeamHealth(facts_, from, to, Context()).pull_requests;
  }
  TeamHealthExplanation Explain(TeamHealthFigure f) const {
    return ExplainTeamHealth(f, facts_, kT0, kT1, Context());
  }

  TeamDirectory directory_ = Directory();
  BotRule bots_{{"Jenkins"}};
  TeamHealthFacts facts_{{}, {"web"}};
};

TEST(BotRuleTest, GitHubAppsAndConfiguredLoginsWhateverTheCase) {
  BotRule bots({"Jenkins", ""});
  EXPECT_TRUE(bots.IsBot("dependabot[bot]"));
  EXPECT_TRUE(bots.IsBot("Renovate[BOT]"));
  EXPECT_TRUE(bots.IsBot("jenkins"));
  EXPECT_TRUE(bots.IsBot("JENKINS"));
  EXPECT_FALSE(bots.IsBot("alice"));
  EXPECT_FALSE(bots.IsBot("bot"));
  EXPECT_FALSE(bots.IsBot("jenkins-x"));
  EXPECT_FALSE(bots.IsBot(""));  // unknown is not known to be a bot
  EXPECT_FALSE(BotRule().IsBot("jenkins"));
}

TEST_F(TeamHealthTest, CountsByTheirOwnEvent) {
  // Opened before the range, merged in it: merged (not opened), time to merge from its opening.
  facts_.pull_requests.push_back(Pr("early", "alice", kT0 - 2 * kDay, kT0 + kHour));
  // Opened in the range, merged after it: opened only.
  facts_.pull_requests.push_back(Pr("late", "alice", kT1 - kHour, kT1 + kHour));
  // Opened and closed without a merge in the range.
  PullRequestFact closed = Pr("closed", "bob", kT0 + kDay);
  closed.closed_at = kT0 + 2 * kDay;
  facts_.pull_requests.push_back(closed);
  // Closed after the range: opened only.
  PullRequestFact closed_later = Pr("closed-later", "bob", kT0 + kDay);
  closed_later.closed_at = kT1;
  facts_.pull_requests.push_back(closed_later);

  PullRequestReport r = Compute();
  EXPECT_EQ(r.opened, 3u);  // late, closed, closed-later
  EXPECT_EQ(r.merged, 1u);  // early
  EXPECT_EQ(r.closed, 1u);  // closed
  ASSERT_EQ(r.time_to_merge.count, 1u);
  EXPECT_DOUBLE_EQ(*r.time_to_merge.median, 2 * 86400 + 3600);
}

TEST_F(TeamHealthTest, MediansAndP90WithFewValues) {
  // Times to merge 1 h, 2 h, 4 h: median 7200 s; p90 at position 0.9 * 2 = 1.8:
  // 7200 + (14400 - 7200) * 0.8 = 12960 s.
  facts_.pull_requests.push_back(Pr("a", "alice", kT0, kT0 + kHour));
  facts_.pull_requests.push_back(Pr("b", "alice", kT0, kT0 + 2 * kHour));
  facts_.pull_requests.push_back(Pr("c", "alice", kT0, kT0 + 4 * kHour));
  PullRequestReport r = Compute();
  EXPECT_DOUBLE_EQ(*r.time_to_merge.median, 7200);
  EXPECT_DOUBLE_EQ(*r.time_to_merge.p90, 12960);

  // Two values, 1 h and 2 h: the median is their mean, p90 at position 0.9: 3600 + 3600 * 0.9.
  facts_.pull_requests.pop_back();
  r = Compute();
  EXPECT_DOUBLE_EQ(*r.time_to_merge.median, 5400);
  EXPECT_DOUBLE_EQ(*r.time_to_merge.p90, 6840);

  // One value: it is the median and the p90. None: null, not 0.
  facts_.pull_requests.pop_back();
  r = Compute();
  EXPECT_DOUBLE_EQ(*r.time_to_merge.median, 3600);
  EXPECT_DOUBLE_EQ(*r.time_to_merge.p90, 3600);
  facts_.pull_requests.clear();
  r = Compute();
  EXPECT_EQ(r.time_to_merge.count, 0u);
  EXPECT_FALSE(r.time_to_merge.median.has_value());
  EXPECT_FALSE(r.time_to_merge.p90.has_value());
}

TEST_F(TeamHealthTest, ReviewsByBotsAreSkipped) {
  // A bot reviews and approves first; bob reviews at +30 min, carol approves at +2 h; the merge
  // at +3 h; alice reviews again after the merge.
  facts_.pull_requests.push_back(Pr("p", "alice", kT0, kT0 + 3 * kHour,
                                    {Review(kT0 + 2 * kHour, "carol", true),
                                     Review(kT0 + 10 * kMin, "dependabot[bot]", true),
                                     Review(kT0 + 30 * kMin, "bob"),
                                     Review(kT0 + 5 * kMin, "jenkins", true),
                                     Review(kT0 + 4 * kHour, "alice")}));
  PullRequestReport r = Compute();
  EXPECT_DOUBLE_EQ(*r.time_to_first_review.median, 1800);  // bob's, not the bots'
  EXPECT_DOUBLE_EQ(*r.time_to_approve.median, 7200);       // carol's
  ASSERT_EQ(r.reviews_per_pr.count, 1u);
  EXPECT_DOUBLE_EQ(*r.reviews_per_pr.median, 2);  // bob and carol: not the bots, not after the merge
  EXPECT_EQ(r.reviews, 2u);
}

TEST_F(TeamHealthTest, FirstReviewCountsWhereItHappens) {
  // Opened before the range, first reviewed in it: counted. Reviewed before the range: not.
  facts_.pull_requests.push_back(
      Pr("in", "alice", kT0 - kDay, std::nullopt, {Review(kT0 + kHour, "bob")}));
  facts_.pull_requests.push_back(
      Pr("before", "alice", kT0 - kDay, std::nullopt,
         {Review(kT0 - kHour, "bob"), Review(kT0 + kHour, "carol", true)}));
  PullRequestReport r = Compute();
  ASSERT_EQ(r.time_to_first_review.count, 1u);
  EXPECT_DOUBLE_EQ(*r.time_to_first_review.median, 25 * 3600);
  ASSERT_EQ(r.time_to_approve.count, 1u);  // carol's approval of "before" is its first one
  EXPECT_DOUBLE_EQ(*r.time_to_approve.median, 25 * 3600);
}

TEST_F(TeamHealthTest, SizeIsAdditionsPlusDeletionsWhenBothAreKnown) {
  PullRequestFact a = Pr("a", "alice", kT0, kT0 + kHour);  // 10 + 5
  PullRequestFact b = Pr("b", "alice", kT0, kT0 + kHour);
  b.additions = 100;
  b.deletions = 0;
  PullRequestFact c = Pr("c", "alice", kT0, kT0 + kHour);
  c.deletions.reset();  // unknown size: left out
  facts_.pull_requests = {a, b, c};
  PullRequestReport r = Compute();
  ASSERT_EQ(r.size.count, 2u);
  EXPECT_DOUBLE_EQ(*r.size.median, 57.5);        // (15 + 100) / 2
  EXPECT_DOUBLE_EQ(*r.size.p90, 15 + 85 * 0.9);  // 91.5
}

TEST_F(TeamHealthTest, BotsPullRequestsCountNowhere) {
  facts_.pull_requests.push_back(Pr("bump", "dependabot[bot]", kT0, kT0 + kHour,
                                    {Review(kT0 + 30 * kMin, "bob", true)}));
  facts_.pull_requests.push_back(Pr("mine", "alice", kT0, kT0 + 2 * kHour));
  PullRequestReport r = Compute();
  EXPECT_EQ(r.opened, 1u);
  EXPECT_EQ(r.merged, 1u);
  EXPECT_EQ(r.time_to_merge.count, 1u);
  EXPECT_EQ(r.time_to_first_review.count, 0u);
  EXPECT_EQ(r.size.count, 1u);
  // bob reviewed the bot's pull request: that is work, so bob is an engineer of the range.
  EXPECT_EQ(r.engineers.count, std::optional<size_t>(2));
}

TEST_F(TeamHealthTest, EngineersAreTheTeamsActiveUsersButBots) {
  // alice authored two merged pull requests, bob reviewed one, carol did nothing, dave (not in
  // the teams file) authored one, renovate[bot] (listed) reviewed one.
  facts_.pull_requests.push_back(Pr("a1", "alice", kT0, kT0 + kDay,
                                    {Review(kT0 + kHour, "bob"),
                                     Review(kT0 + kHour, "renovate[bot]", true)}));
  facts_.pull_requests.push_back(Pr("a2", "alice", kT0 + kDay, kT0 + 2 * kDay));
  facts_.pull_requests.push_back(Pr("d1", "dave", kT0 + kDay, kT0 + 3 * kDay));
  PullRequestReport r = Compute();
  EXPECT_EQ(r.engineers.count, std::optional<size_t>(2));  // alice, bob
  EXPECT_EQ(r.merged, 3u);
  EXPECT_DOUBLE_EQ(r.weeks, 2);
  ASSERT_TRUE(r.merged_per_engineer_per_week.has_value());
  EXPECT_DOUBLE_EQ(*r.merged_per_engineer_per_week, 0.75);  // 3 merged / 2 engineers / 2 weeks

  // Outside the range nobody counts: alice's activity is all before it.
  PullRequestReport later = Compute(kT1, kT1 + 7 * kDay);
  EXPECT_EQ(later.engineers.count, std::optional<size_t>(0));
  EXPECT_FALSE(later.merged_per_engineer_per_week.has_value());
  EXPECT_EQ(later.per_engineer_reason,
            "no engineer authored or reviewed a pull request in the range");
}

// GitLab's merge requests carry GitLab usernames: the teams file's gitlab_username counts them,
// and one person active on both code hosts is one engineer.
TEST_F(TeamHealthTest, GitLabLoginsAreTheSamePeople) {
  directory_ = TeamDirectory({Team{"web", {}, {TeamUser{"alice", "", "", "alice.gl"},
                                               TeamUser{"", "", "", "erin.gl"}}}});
  facts_.pull_requests.push_back(Pr("g1", "alice.gl", kT0, kT0 + kDay));   // GitLab
  facts_.pull_requests.push_back(Pr("h1", "alice", kT0 + kDay, kT0 + 2 * kDay));  // GitHub
  facts_.pull_requests.push_back(
      Pr("g2", "someone", kT0, kT0 + kDay, {Review(kT0 + kHour, "erin.gl", true)}));
  PullRequestReport r = Compute();
  EXPECT_EQ(r.engineers.count, std::optional<size_t>(2));  // alice (both logins), erin
  EXPECT_EQ(r.merged, 3u);
}

TEST_F(TeamHealthTest, EngineersUnknownAreSaidSoNotGuessed) {
  facts_.pull_requests.push_back(Pr("a", "alice", kT0, kT0 + kHour));
  facts_.pull_requests.push_back(
      Pr("anon", "", kT0, kT0 + kHour, {Review(kT0 + kMin, ""), Review(kT0 + kMin, "")}));
  PullRequestReport r = Compute();
  EXPECT_FALSE(r.engineers.count.has_value());
  EXPECT_EQ(r.engineers.unknown_reason,
            "1 pull request has no author and 2 reviews have no reviewer in the range: who was "
            "active cannot be known");
  EXPECT_FALSE(r.merged_per_engineer_per_week.has_value());
  EXPECT_EQ(r.per_engineer_reason, r.engineers.unknown_reason);
  EXPECT_EQ(r.merged, 2u);  // the figures themselves still count it

  // A team that lists no GitHub login, and pull requests without a team.
  facts_.pull_requests = {Pr("x", "alice", kT0, kT0 + kHour, {}, "api"),
                          Pr("y", "alice", kT0, kT0 + kHour, {}, "")};
  facts_.teams = {"api"};
  r = Compute();
  EXPECT_FALSE(r.engineers.count.has_value());
  EXPECT_EQ(r.engineers.unknown_reason,
            "team \"api\" lists no GitHub or GitLab users in the teams file; some pull requests have no "
            "team: their engineers cannot be known");

  // A team the teams file does not know at all.
  facts_.pull_requests = {};
  facts_.teams = {"ghost"};
  EXPECT_EQ(Compute().engineers.unknown_reason,
            "team \"ghost\" lists no GitHub or GitLab users in the teams file");
  // No teams file at all.
  facts_.teams = {"web"};
  EXPECT_FALSE(ComputeTeamHealth(facts_, kT0, kT1, {nullptr, &bots_})
                   .pull_requests.engineers.count.has_value());
}

TEST_F(TeamHealthTest, OutOfOrderTimesGiveNoDurationButStillCount) {
  // Merged "before" it was opened (a skewed clock): counted as merged, no time to merge.
  facts_.pull_requests.push_back(Pr("skew", "alice", kT0 + 2 * kHour, kT0 + kHour));
  PullRequestReport r = Compute();
  EXPECT_EQ(r.merged, 1u);
  EXPECT_EQ(r.time_to_merge.count, 0u);
  EXPECT_EQ(r.reviews_per_pr.count, 1u);
}

TEST_F(TeamHealthTest, SeriesBucketsEachSeeTheirOwnEvents) {
  // Opened in week 1, reviewed by bob in week 1, merged in week 2.
  facts_.pull_requests.push_back(
      Pr("p", "alice", kT0 + kDay, kT0 + 8 * kDay, {Review(kT0 + 2 * kDay, "bob", true)}));
  const std::pair<TimeMs, TimeMs> weeks[] = {{kT0, kT0 + 7 * kDay}, {kT0 + 7 * kDay, kT1}};
  auto reports = ComputeTeamHealth(facts_, weeks, Context());
  ASSERT_EQ(reports.size(), 2u);
  const PullRequestReport& w1 = reports[0].pull_requests;
  const PullRequestReport& w2 = reports[1].pull_requests;
  EXPECT_EQ(w1.opened, 1u);
  EXPECT_EQ(w1.merged, 0u);
  EXPECT_EQ(w1.time_to_approve.count, 1u);
  EXPECT_EQ(w1.engineers.count, std::optional<size_t>(2));  // alice opened, bob reviewed
  EXPECT_DOUBLE_EQ(*w1.merged_per_engineer_per_week, 0);
  EXPECT_EQ(w2.opened, 0u);
  EXPECT_EQ(w2.merged, 1u);
  EXPECT_DOUBLE_EQ(*w2.time_to_merge.median, 7 * 86400);
  EXPECT_EQ(w2.engineers.count, std::optional<size_t>(1));  // alice's merge
  EXPECT_DOUBLE_EQ(*w2.merged_per_engineer_per_week, 1);
  EXPECT_EQ(reports[1].from, kT0 + 7 * kDay);
}

TEST_F(TeamHealthTest, PartitionByTeamKeepsEachTeamsOwnEngineers) {
  facts_.teams = {};
  facts_.pull_requests = {Pr("w", "alice", kT0, kT0 + kHour), Pr("a", "alice", kT0, kT0 + kHour,
                                                                 {}, "api")};
  auto parts = PartitionByTeam(facts_, &directory_);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].first, "api");
  EXPECT_EQ(parts[1].first, "web");
  EXPECT_EQ(parts[1].second.pull_requests.size(), 1u);
  auto web = ComputeTeamHealth(parts[1].second, kT0, kT1, Context()).pull_requests;
  EXPECT_EQ(web.engineers.count, std::optional<size_t>(1));
  auto api = ComputeTeamHealth(parts[0].second, kT0, kT1, Context()).pull_requests;
  EXPECT_FALSE(api.engineers.count.has_value());
  // Both together: api's engineers cannot be known, so neither can the sum.
  EXPECT_FALSE(Compute().engineers.count.has_value());
}

TEST_F(TeamHealthTest, ExplainTimeToMerge) {
  facts_.pull_requests = {
      Pr("b", "alice", kT0, kT0 + 2 * kHour), Pr("a", "alice", kT0, kT0 + 2 * kHour),
      Pr("first", "bob", kT0 - kDay, kT0 + kHour), Pr("bot", "dependabot[bot]", kT0, kT0 + kHour),
      Pr("skew", "alice", kT0 + 3 * kHour, kT0 + 2 * kHour), Pr("open", "alice", kT0 + kDay),
      Pr("after", "alice", kT0 + kDay, kT1 + kHour)};
  PullRequestFact closed = Pr("closed", "alice", kT0 + kDay);
  closed.closed_at = kT0 + 2 * kDay;
  facts_.pull_requests.push_back(closed);

  TeamHealthExplanation e = Explain(TeamHealthFigure::kTimeToMerge);
  ASSERT_EQ(e.counted.size(), 3u);  // by merged_at, then id
  EXPECT_EQ(e.counted[0].pull_request->id, "first");
  EXPECT_EQ(e.counted[0].value, std::optional<int64_t>(25 * kHour));
  EXPECT_EQ(e.counted[1].pull_request->id, "a");
  EXPECT_EQ(e.counted[2].pull_request->id, "b");
  ASSERT_EQ(e.left_out.size(), 5u);
  EXPECT_EQ(e.left_out[0].id, "bot");
  EXPECT_EQ(e.left_out[0].reason, "authored by a bot (dependabot[bot])");
  EXPECT_EQ(e.left_out[1].id, "skew");
  EXPECT_EQ(e.left_out[1].reason,
            "merged_at (2024-03-04T02:00:00.000Z) is before opened_at (2024-03-04T03:00:00.000Z): "
            "times out of order (a skewed clock?), no duration");
  // Then what was opened in the range and not merged in it, by opened_at, then id.
  EXPECT_EQ(e.left_out[2].id, "after");
  EXPECT_EQ(e.left_out[2].reason, "merged at 2024-03-18T01:00:00.000Z, outside the range");
  EXPECT_EQ(e.left_out[3].id, "closed");
  EXPECT_EQ(e.left_out[3].reason, "closed without a merge");
  EXPECT_EQ(e.left_out[4].id, "open");
  EXPECT_EQ(e.left_out[4].reason, "not merged yet");

  // The counts list no value; the merged count holds the skewed one.
  TeamHealthExplanation merged = Explain(TeamHealthFigure::kMerged);
  EXPECT_EQ(merged.counted.size(), 4u);
  EXPECT_FALSE(merged.counted[0].value.has_value());
}

TEST_F(TeamHealthTest, ExplainReviewsAndFirstReview) {
  facts_.pull_requests = {
      Pr("p", "alice", kT0, kT0 + 3 * kHour,
         {Review(kT0 + 4 * kHour, "carol"), Review(kT0 + 30 * kMin, "bob", true),
          Review(kT0 + 10 * kMin, "dependabot[bot]")}),
      Pr("bots-only", "alice", kT0, std::nullopt, {Review(kT0 + kMin, "jenkins", true)}),
      Pr("quiet", "alice", kT0)};
  TeamHealthExplanation reviews = Explain(TeamHealthFigure::kReviewsPerPr);
  ASSERT_EQ(reviews.counted.size(), 1u);
  EXPECT_EQ(reviews.counted[0].value, std::optional<int64_t>(1));
  ASSERT_EQ(reviews.counted[0].reviews.size(), 1u);
  EXPECT_EQ(reviews.counted[0].reviews[0]->reviewer, "bob");

  TeamHealthExplanation first = Explain(TeamHealthFigure::kTimeToFirstReview);
  ASSERT_EQ(first.counted.size(), 1u);
  ASSERT_NE(first.counted[0].review, nullptr);
  EXPECT_EQ(first.counted[0].review->reviewer, "bob");
  EXPECT_EQ(first.counted[0].value, std::optional<int64_t>(30 * kMin));
  ASSERT_EQ(first.left_out.size(), 2u);
  EXPECT_EQ(first.left_out[0].id, "bots-only");
  EXPECT_EQ(first.left_out[0].reason, "reviewed by bots only");
  EXPECT_EQ(first.left_out[1].reason, "not reviewed yet");

  TeamHealthExplanation approve = Explain(TeamHealthFigure::kTimeToApprove);
  EXPECT_EQ(approve.left_out[0].reason, "not approved by a person yet");
}

TEST_F(TeamHealthTest, ExplainEngineers) {
  facts_.pull_requests = {
      Pr("a1", "alice", kT0, kT0 + kDay, {Review(kT0 + kHour, "bob"), Review(kT0, "renovate[bot]")}),
      Pr("a2", "alice", kT0 - 20 * kDay, kT0 + kDay),
      Pr("d1", "dave", kT0, kT0 + kDay)};
  TeamHealthExplanation e = Explain(TeamHealthFigure::kMergedPerEngineerPerWeek);
  EXPECT_EQ(e.counted.size(), 3u);  // the merged pull requests
  EXPECT_EQ(e.engineers.count, std::optional<size_t>(2));
  ASSERT_EQ(e.contributors.size(), 4u);  // by team, then login
  EXPECT_EQ(e.contributors[0].login, "alice");
  EXPECT_EQ(e.contributors[0].authored, 2u);  // a1 opened and merged counts once; a2 merged
  EXPECT_TRUE(e.contributors[0].engineer);
  EXPECT_EQ(e.contributors[1].login, "bob");
  EXPECT_EQ(e.contributors[1].reviewed, 1u);
  EXPECT_EQ(e.contributors[2].login, "dave");
  EXPECT_FALSE(e.contributors[2].engineer);
  EXPECT_EQ(e.contributors[2].reason, "not a user of team \"web\" in the teams file");
  EXPECT_EQ(e.contributors[3].login, "renovate[bot]");
  EXPECT_EQ(e.contributors[3].reason, "a bot");
}

TEST(TeamHealthFigureTest, NamesRoundTrip) {
  for (std::string_view name : TeamHealthFigureNames()) {
    auto f = TeamHealthFigureNamed(name);
    ASSERT_TRUE(f.has_value()) << name;
    EXPECT_EQ(TeamHealthFigureName(*f), name);
  }
  EXPECT_EQ(TeamHealthFigureNames().size(), 9u);
  EXPECT_FALSE(TeamHealthFigureNamed("lead_time_for_changes").has_value());
}

}  // namespace
}  // namespace emm::domain
