#include "storage/postgres/pg_team_health_queries.h"

#include <algorithm>
#include <tuple>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"
#include "storage/postgres/pg_ticket_queries.h"

namespace emm::storage::postgres {
namespace {

// Ids sort as SQLite's BINARY collation does, whatever the database's locale.
constexpr const char* kC = " COLLATE \"C\"";

// Whether a pull request p was opened, merged or closed in [$2, $3) (false, not NULL, for none).
constexpr const char* kOpenedIn = "(p.opened_at >= $2 AND p.opened_at < $3)";
constexpr const char* kMergedIn = "(p.merged_at >= $2 AND p.merged_at < $3) IS TRUE";
const std::string kFactColumns = Prefixed(kPullRequestFactColumns, "p");

std::string Arm(int kind, const std::string& at, const std::string& where) {
  return std::string("SELECT ") + kFactColumns + ", " + std::to_string(kind) + " AS kind, " + at +
         " AS at FROM pull_requests p WHERE p.team_id = ANY($1::text[]) AND " + where;
}

// The pull requests of the teams $1 opened, merged or closed in [$2, $3), one index range each
// (migration 9), each once (an arm leaves out what an earlier one has), with the arm and its time
// after the fact's columns. Whole rows from the index ranges, not ids joined back to the table:
// the planner estimates such a join poorly and scans every row. Unordered: SQLite's order is put
// back by SortLikeSqlite (an ORDER BY on array_position took half the statement's time, 40 of 85
// ms for every team's 90 days).
const std::string kFactsSql =
    Arm(0, "p.opened_at", kOpenedIn) + " UNION ALL " +
    Arm(1, "p.merged_at",
        std::string("p.merged_at >= $2 AND p.merged_at < $3 AND NOT ") + kOpenedIn) +
    " UNION ALL " +
    Arm(2, "p.closed_at",
        std::string("p.closed_at >= $2 AND p.closed_at < $3 AND NOT ") + kOpenedIn + " AND NOT " +
            kMergedIn);

// kFactsSql's rows in SQLite's order: by team as the query lists them, then the arm, then its
// time, then the id in byte order (SQLite's BINARY; std::string compares bytes unsigned too).
template <typename PlaceOf>
Result<std::vector<domain::PullRequestFact>> SortLikeSqlite(const PgResult& r, PlaceOf place_of) {
  struct Keyed {
    size_t team;
    int64_t kind;
    int64_t at;
    domain::PullRequestFact pr;
  };
  std::vector<Keyed> rows;
  rows.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    PgRow row(r, i);
    domain::PullRequestFact pr = ReadColumns<domain::PullRequestFact>(row);
    const int64_t kind = row.Int(), at = row.Int();
    if (!row.status().ok()) return row.status();
    const size_t team = place_of(pr.team_id);
    rows.push_back({team, kind, at, std::move(pr)});
  }
  std::sort(rows.begin(), rows.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.team, a.kind, a.at, a.pr.id) < std::tie(b.team, b.kind, b.at, b.pr.id);
  });
  std::vector<domain::PullRequestFact> out;
  out.reserve(rows.size());
  for (Keyed& k : rows) out.push_back(std::move(k.pr));
  return out;
}

// The pull requests not opened in the range with a review of the teams in it, by their first
// review in it (one index range; those merged or closed in it are already read).
const std::string kReviewedSql =
    std::string(
        "SELECT pull_request_id FROM pull_request_reviews WHERE team_id = ANY($1::text[]) AND "
        "reviewed_at >= $2 AND reviewed_at < $3 AND (pull_request_opened_at >= $2 AND "
        "pull_request_opened_at < $3) IS NOT TRUE GROUP BY pull_request_id "
        "ORDER BY min(reviewed_at), pull_request_id") +
    kC;
// Pull requests by id (primary key probes; InOrderOf puts them in the order asked).
const std::string kByIdSql =
    std::string("SELECT ") + kFactColumns + " FROM pull_requests p WHERE p.id = ANY($1::text[])";

// The reviews of the pull requests opened in the range, from one index range, which holds every
// column read: SQLite's order, its index ending (reviewed_at, approved, reviewer) (rows equal in
// those are the same fact).
const std::string kReviewsOfOpenedInSql =
    std::string(
        "SELECT pull_request_id, reviewed_at, approved, reviewer FROM pull_request_reviews "
        "WHERE team_id = ANY($1::text[]) AND pull_request_opened_at >= $2 AND "
        "pull_request_opened_at < $3 ORDER BY pull_request_id, reviewed_at, approved, reviewer") +
    kC;
// The reviews of the others (a few), by id: SQLite reads them by (reviewed_at, rowid); seq is
// the rowid's stand-in.
const std::string kReviewsOfSql =
    "SELECT pull_request_id, reviewed_at, approved, reviewer FROM pull_request_reviews "
    "WHERE pull_request_id = ANY($1::text[]) ORDER BY pull_request_id, reviewed_at, seq";

Status ReadPullRequestFacts(PgConnection& conn, const TeamHealthQuery& q,
                            std::vector<domain::PullRequestFact>* out) {
  std::vector<std::string> teams = q.teams;
  if (teams.empty()) {
    auto all = EveryTeamOf(conn, "pull_requests");
    if (!all.ok()) return all.status();
    teams = std::move(all).value();
  }
  PgParams p;
  p.AddTextArray(teams).Add(q.from).Add(q.to);
  std::unordered_map<std::string, size_t> place;  // team -> its place in the query
  for (size_t i = 0; i < teams.size(); ++i) place.emplace(teams[i], i);
  auto place_of = [&](const std::string& team) {
    auto it = place.find(team);
    return it == place.end() ? teams.size() : it->second;
  };
  auto facts = conn.Run("emm_th_pull_requests", kFactsSql, p);
  if (!facts.ok()) return facts.status();
  auto prs = SortLikeSqlite(*facts, place_of);
  if (!prs.ok()) return prs.status();
  *out = std::move(prs).value();
  std::unordered_set<std::string> read;
  for (const auto& pr : *out) read.insert(pr.id);

  // Those only reviewed in the range, then in their team's place as SQLite's loop over the teams
  // puts them (after the team's others).
  auto reviewed = conn.Run("emm_th_reviewed", kReviewedSql, p);
  if (!reviewed.ok()) return reviewed.status();
  std::vector<std::string> ids;
  for (int i = 0; i < reviewed->rows(); ++i) {
    std::string id(reviewed->Text(i, 0));
    if (!read.count(id)) ids.push_back(std::move(id));
  }
  if (!ids.empty()) {
    auto more = conn.Run("emm_th_pull_requests_by_id", kByIdSql, PgParams().AddTextArray(ids));
    if (!more.ok()) return more.status();
    auto facts_more = ReadAll(*more, &ReadRow<domain::PullRequestFact>);
    if (!facts_more.ok()) return facts_more.status();
    InOrderOf(*facts_more, ids);
    for (auto& pr : *facts_more) out->push_back(std::move(pr));
    std::stable_sort(out->begin(), out->end(), [&](const auto& a, const auto& b) {
      return place_of(a.team_id) < place_of(b.team_id);
    });
  }

  std::unordered_map<std::string, size_t> index_of;  // id -> position in out
  std::vector<std::string> others;                   // not opened in the range
  for (size_t i = 0; i < out->size(); ++i) {
    const domain::PullRequestFact& pr = (*out)[i];
    index_of.emplace(pr.id, i);
    if (pr.opened_at < q.from || pr.opened_at >= q.to) others.push_back(pr.id);
  }
  auto add_reviews = [&](Result<PgResult> reviews) -> Status {
    if (!reviews.ok()) return reviews.status();
    for (int i = 0; i < reviews->rows(); ++i) {
      auto it = index_of.find(std::string(reviews->Text(i, 0)));
      if (it == index_of.end()) continue;
      PgRow row(*reviews, i, 1);
      domain::ReviewFact r;
      r.reviewed_at = row.Int();
      r.approved = row.Int() != 0;
      r.reviewer = row.Text();
      if (!row.status().ok()) return row.status();
      (*out)[it->second].reviews.push_back(std::move(r));
    }
    return Status::Ok();
  };
  EMM_RETURN_IF_ERROR(add_reviews(conn.Run("emm_th_reviews_opened", kReviewsOfOpenedInSql, p)));
  if (others.empty()) return Status::Ok();
  return add_reviews(conn.Run("emm_th_reviews_of", kReviewsOfSql, PgParams().AddTextArray(others)));
}

}  // namespace

Result<std::vector<domain::PullRequest>> ListPullRequests(PgConnection& conn,
                                                          const PullRequestQuery& q) {
  static const std::string base =
      std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests";
  static const std::string order =
      std::string(" ORDER BY opened_at, id") + kC + " LIMIT $1 OFFSET $2";
  static const std::string all = base + order;
  static const std::string of_team = base + " WHERE team_id = $3" + order;
  PgParams p;
  p.Add(q.limit).Add(q.offset);
  if (q.team_id) p.Add(*q.team_id);
  auto r = q.team_id ? conn.Run("emm_list_pull_requests_team", of_team, p)
                     : conn.Run("emm_list_pull_requests", all, p);
  if (!r.ok()) return r.status();
  return ReadAll(*r, &ReadRow<domain::PullRequest>);
}

Result<domain::TeamHealthFacts> LoadTeamHealthFacts(PgConnection& conn, const TeamHealthQuery& q) {
  domain::TeamHealthFacts out;
  if (q.pull_requests) EMM_RETURN_IF_ERROR(ReadPullRequestFacts(conn, q, &out.pull_requests));
  if (q.tickets) {
    auto tickets = LoadTicketHealthFacts(conn, q);
    if (!tickets.ok()) return tickets.status();
    out.tickets = std::move(tickets).value();
  }
  out.teams = q.teams;
  return out;
}

}  // namespace emm::storage::postgres
