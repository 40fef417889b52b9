// Fills a SQLite database (or, given a postgres:// URL, a PostgreSQL one) for the team-health
// query bench: PULL_REQUESTS pull requests and TICKETS tickets over 3 years and TEAMS teams of 8
// people, with their reviews and the tickets' status and estimate history, written through the
// real store. Deterministic (fixed seed).
// Per pull request: opened at a uniform time; 1 in 20 by dependabot[bot]; 85% merged and 10%
// closed after 10 minutes to 10 days (log-uniform), 5% left open; 0-4 reviews by teammates (1 in
// 10 by a bot), the first 5 minutes to 2 days after opening, 60% approving; 1-2,000 lines added,
// 0-500 removed.
// Per ticket (Linear team T-NN of team-NN): created at a uniform time; Feature 40%, Bug 30%,
// Chore 20%, no type 10%; 1 in 30 a sub-issue of an earlier ticket; 80% done (90% of them started
// 10 minutes to 5 days after creation, done 30 minutes to 20 days later; 1 in 20 re-opened and
// done again), 8% canceled 1 hour to 30 days after creation, the rest open; 85% estimated (1, 2,
// 3, 5 or 8 points), a third of those re-estimated once.
//   build/emm_team_health_fill DB [pull_requests=1000000] [teams=50] [tickets=200000]
// Also writes DB.teams.json ($FILL_SIDECAR.teams.json for a URL), the matching teams config
// (team-00 .. team-NN, users u-NN-0..7, linear_team_id T-NN; features are new value).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "domain/events.h"
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

std::string LinearTeam(int t) {
  char name[16];
  std::snprintf(name, sizeof name, "T-%02d", t);
  return name;
}

TimeMs LogUniform(std::mt19937_64& rng, TimeMs lo, TimeMs hi) {
  return static_cast<TimeMs>(std::exp(std::uniform_real_distribution<double>(
      std::log(static_cast<double>(lo)), std::log(static_cast<double>(hi)))(rng)));
}

// Ticket `i` of team `team`, created at `created`, with its status and estimate history, as the
// Linear webhook's upsert would have stored it.
Status PutTicket(domain::Transaction& tx, long i, int team, TimeMs created, std::mt19937_64& rng) {
  constexpr TimeMs kMinute = 60000, kHour = 60 * kMinute, kDay = 24 * kHour;
  using domain::TicketStatus;
  domain::Ticket t;
  t.id = LinearTeam(team) + "-" + std::to_string(i);
  t.external_id = "uuid-" + std::to_string(i);
  t.team_id = LinearTeam(team);
  t.project_id = "project-" + std::to_string(rng() % 5);
  t.created_at = created;
  t.recorded_at = created;
  const int type = static_cast<int>(rng() % 10);
  t.ticket_type = type < 4 ? "Feature" : type < 7 ? "Bug" : type < 9 ? "Chore" : "unknown";
  if (i > 0 && rng() % 30 == 0) {
    t.parent_ticket_id = "uuid-" + std::to_string(rng() % static_cast<uint64_t>(i));
  }
  if (rng() % 100 < 85) {
    static constexpr double kPoints[] = {1, 2, 3, 5, 8};
    t.initial_estimation = kPoints[rng() % 5];
    t.current_estimation = t.initial_estimation;
  }
  std::vector<domain::TicketStatusChange> changes{
      {t.id, std::nullopt, TicketStatus::kBacklog, created, created}};
  auto change = [&](TicketStatus to, TimeMs at) {
    changes.push_back({t.id, changes.back().to, to, at, at});
    t.status = to;
    t.updated_at = at;
  };
  const int fate = static_cast<int>(rng() % 100);
  TimeMs at = created;
  if (fate < 80) {
    if (rng() % 10 != 0) {
      at += LogUniform(rng, 10 * kMinute, 5 * kDay);
      t.started_at = at;
      change(TicketStatus::kDoing, at);
    }
    at += LogUniform(rng, 30 * kMinute, 20 * kDay);
    change(TicketStatus::kDone, at);
    t.first_done_at = at;
    if (rng() % 20 == 0) {
      at += LogUniform(rng, kHour, 5 * kDay);
      change(TicketStatus::kDoing, at);
      at += LogUniform(rng, kHour, 5 * kDay);
      change(TicketStatus::kDone, at);
    }
    t.finished_at = at;
  } else if (fate < 88) {
    at += LogUniform(rng, kHour, 30 * kDay);
    change(TicketStatus::kCanceled, at);
  } else if (fate < 94) {
    at += LogUniform(rng, 10 * kMinute, 5 * kDay);
    t.started_at = at;
    change(TicketStatus::kDoing, at);
  }
  std::optional<domain::TicketEstimationChange> estimate;
  if (t.initial_estimation && rng() % 3 == 0) {
    const double to = *t.initial_estimation + static_cast<double>(1 + rng() % 5);
    estimate = domain::TicketEstimationChange{t.id, *t.initial_estimation, to,
                                              created + (at - created) / 2, created};
    t.current_estimation = to;
  }
  if (t.status == TicketStatus::kDone) t.final_estimation = t.current_estimation;
  EMM_RETURN_IF_ERROR(tx.PutTicket(t));
  for (const auto& c : changes) EMM_RETURN_IF_ERROR(tx.InsertTicketStatusChange(c));
  if (estimate) EMM_RETURN_IF_ERROR(tx.InsertTicketEstimationChange(*estimate));
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB [pull_requests] [teams] [tickets]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long pull_requests = argc > 2 ? std::atol(argv[2]) : 1000000;
  const int teams = argc > 3 ? std::atoi(argv[3]) : 50;
  const long tickets = argc > 4 ? std::atol(argv[4]) : 200000;
  if (pull_requests <= 0 || teams <= 0 || teams > 100 || tickets < 0) {
    std::fprintf(stderr, "pull_requests must be positive, teams 1-100, tickets 0 or more\n");
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
  for (long b = 0; b < tickets; b += batch) {
    storage::EventStore::Work w = [&](domain::Transaction& tx) {
      for (long i = b; i < std::min(tickets, b + batch); ++i) {
        const int team = static_cast<int>(rng() % static_cast<uint64_t>(teams));
        const TimeMs created = uniform(start, end);
        EMM_RETURN_IF_ERROR(PutTicket(tx, i, team, created, rng));
      }
      return Status::Ok();
    };
    if (!bench::RunWork(*store, std::move(w))) return 1;
  }
  std::ofstream out(bench::SidecarPath(path, ".teams.json"));
  out << "{\"teams\": {";
  for (int t = 0; t < teams; ++t) {
    out << (t ? "," : "") << "\"" << TeamName(t) << "\": {\"linear_team_id\": \""
        << LinearTeam(t) << "\", \"users\": [";
    for (int u = 0; u < kUsersPerTeam; ++u) {
      out << (u ? "," : "") << "{\"github_username\": \"" << UserName(t, u) << "\"}";
    }
    out << "]}";
  }
  out << "}, \"ticketing\": {\"new_value_types\": [\"Feature\"]}}\n";
  std::printf("filled %s: %ld pull requests, %ld reviews, %ld tickets, %d teams\n", path.c_str(),
              pull_requests, reviews, tickets, teams);
  return 0;
}
