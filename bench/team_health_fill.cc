// Fills a SQLite database for the team-health query bench: PULL_REQUESTS pull requests over
// 3 years and TEAMS teams of 8 people, with their reviews, written through the real store.
// Deterministic (fixed seed). Per pull request: opened at a uniform time; 1 in 20 by
// dependabot[bot]; 85% merged and 10% closed after 10 minutes to 10 days (log-uniform), 5% left
// open; 0-4 reviews by teammates (1 in 10 by a bot), the first 5 minutes to 2 days after opening,
// 60% approving; 1-2,000 lines added, 0-500 removed.
//   build/emm_team_health_fill DB [pull_requests=1000000] [teams=50]
// Also writes DB.teams.json, the matching teams config (team-00 .. team-NN, users u-NN-0..7).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fill_store.h"

using namespace emm;

namespace {

constexpr int kUsersPerTeam = 8;

std::string TeamName(int t) {
  char name[16];
  std::snprintf(name, sizeof name, "team-%02d", t);
  return name;
}

std::string UserName(int t, int u) {
  char name[24];
  std::snprintf(name, sizeof name, "u-%02d-%d", t, u);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB [pull_requests] [teams]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long pull_requests = argc > 2 ? std::atol(argv[2]) : 1000000;
  const int teams = argc > 3 ? std::atoi(argv[3]) : 50;
  if (pull_requests <= 0 || teams <= 0 || teams > 100) {
    std::fprintf(stderr, "pull_requests must be positive, teams 1-100\n");
    return 2;
  }
  auto store = bench::OpenFillStore(path);
  if (!store) return 1;
  constexpr TimeMs kMinute = 60000, kDay = 86400000;
  const TimeMs end = *ParseTimestamp("2026-11-01T00:00:00Z");
  const TimeMs start = end - 3 * 365 * kDay;
  std::mt19937_64 rng(7);
  auto uniform = [&](TimeMs lo, TimeMs hi) {
    return std::uniform_int_distribution<TimeMs>(lo, hi - 1)(rng);
  };
  auto log_uniform = [&](TimeMs lo, TimeMs hi) {
    return static_cast<TimeMs>(std::exp(std::uniform_real_distribution<double>(
        std::log(static_cast<double>(lo)), std::log(static_cast<double>(hi)))(rng)));
  };

  long reviews = 0;
  const long batch = 20000;
  for (long b = 0; b < pull_requests; b += batch) {
    storage::EventStore::Work w = [&](domain::Transaction& tx) {
      for (long i = b; i < std::min(pull_requests, b + batch); ++i) {
        const int team = static_cast<int>(rng() % static_cast<uint64_t>(teams));
        const int author = static_cast<int>(rng() % kUsersPerTeam);
        domain::PullRequest pr;
        pr.id = "pr-" + std::to_string(i);
        pr.team_id = TeamName(team);
        pr.author = rng() % 20 == 0 ? "dependabot[bot]" : UserName(team, author);
        pr.opened_at = uniform(start, end);
        pr.created_at = pr.opened_at;
        pr.additions = 1 + static_cast<int64_t>(rng() % 2000);
        pr.deletions = static_cast<int64_t>(rng() % 501);
        const int fate = static_cast<int>(rng() % 100);
        const TimeMs done = pr.opened_at + log_uniform(10 * kMinute, 10 * kDay);
        if (fate < 85) {
          pr.merged_at = done;
        } else if (fate < 95) {
          pr.closed_at = done;
        }
        std::vector<domain::PullRequestReview> rs;
        const int n = static_cast<int>(rng() % 5);
        TimeMs at = pr.opened_at + log_uniform(5 * kMinute, 2 * kDay);
        for (int k = 0; k < n; ++k) {
          domain::PullRequestReview r;
          r.pull_request_id = pr.id;
          r.reviewed_at = at;
          r.approved = rng() % 10 < 6;
          r.comments = static_cast<int64_t>(rng() % 4);
          r.reviewer = rng() % 10 == 0
                           ? "renovate[bot]"
                           : UserName(team, (author + 1 + static_cast<int>(rng() % 7)) % 8);
          if (!pr.first_review_at) pr.first_review_at = at;
          if (r.approved && !pr.first_approved_at) pr.first_approved_at = at;
          ++pr.reviews;
          pr.comments += r.comments;
          rs.push_back(r);
          at += log_uniform(kMinute, kDay);
        }
        EMM_RETURN_IF_ERROR(tx.InsertPullRequest(pr));
        for (const auto& r : rs) EMM_RETURN_IF_ERROR(tx.InsertPullRequestReview(r));
        reviews += n;
      }
      return Status::Ok();
    };
    if (!bench::RunWork(*store, std::move(w))) return 1;
  }
  std::ofstream out(path + ".teams.json");
  out << "{\"teams\": {";
  for (int t = 0; t < teams; ++t) {
    out << (t ? "," : "") << "\"" << TeamName(t) << "\": {\"users\": [";
    for (int u = 0; u < kUsersPerTeam; ++u) {
      out << (u ? "," : "") << "{\"github_username\": \"" << UserName(t, u) << "\"}";
    }
    out << "]}";
  }
  out << "}}\n";
  std::printf("filled %s: %ld pull requests, %ld reviews, %d teams\n", path.c_str(), pull_requests,
              reviews, teams);
  return 0;
}
