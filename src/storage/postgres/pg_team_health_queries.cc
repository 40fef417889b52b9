#include "storage/postgres/pg_team_health_queries.h"

#include <string>
#include <unordered_map>

#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"
#include "storage/postgres/pg_ticket_queries.h"

namespace emm::storage::postgres {
namespace {

// Ids sort as SQLite's BINARY collation does, whatever the database's locale.
constexpr const char* kC = " COLLATE \"C\"";

// The pull requests of the teams $1 opened, merged or closed in [$2, $3) (migration 9's indexes,
// one range each), or with a review of those teams in it, once each.
constexpr const char* kIdsCte =
    "WITH ids AS (SELECT id FROM pull_requests WHERE team_id = ANY($1::text[]) AND "
    "opened_at >= $2 AND opened_at < $3 "
    "UNION SELECT id FROM pull_requests WHERE team_id = ANY($1::text[]) AND merged_at >= $2 AND "
    "merged_at < $3 "
    "UNION SELECT id FROM pull_requests WHERE team_id = ANY($1::text[]) AND closed_at >= $2 AND "
    "closed_at < $3 "
    "UNION SELECT pull_request_id FROM pull_request_reviews WHERE team_id = ANY($1::text[]) AND "
    "reviewed_at >= $2 AND reviewed_at < $3) ";

// Whether the row p (or a review r) belongs to a pull request the range opened.
constexpr const char* kOpenedIn = "(p.opened_at >= $2 AND p.opened_at < $3)";

// SQLite's order: by team as the query lists them; those opened in the range (by opening), then
// those merged in it (by merge), closed in it (by close), the others (by their first review).
const std::string kFactsSql =
    std::string(kIdsCte) +
    "SELECT p.id, p.team_id, p.author, p.opened_at, p.merged_at, p.closed_at, p.additions, "
    "p.deletions FROM pull_requests p JOIN ids ON ids.id = p.id "
    "ORDER BY array_position($1::text[], p.team_id), "
    "CASE WHEN " +
    kOpenedIn +
    " THEN 0 WHEN p.merged_at >= $2 AND p.merged_at < $3 THEN 1 "
    "WHEN p.closed_at >= $2 AND p.closed_at < $3 THEN 2 ELSE 3 END, "
    "CASE WHEN " +
    kOpenedIn +
    " THEN p.opened_at WHEN p.merged_at >= $2 AND p.merged_at < $3 "
    "THEN p.merged_at WHEN p.closed_at >= $2 AND p.closed_at < $3 THEN p.closed_at ELSE "
    "(SELECT min(reviewed_at) FROM pull_request_reviews r WHERE r.pull_request_id = p.id AND "
    "r.reviewed_at >= $2 AND r.reviewed_at < $3) END, p.id" +
    kC;

// Every review of those pull requests, whenever made, in the order SQLite reads them: a pull
// request opened in the range has its reviews from an index ending (reviewed_at, approved,
// reviewer), the others by (reviewed_at, rowid); seq is the rowid's stand-in.
const std::string kReviewsSql =
    std::string(kIdsCte) +
    "SELECT r.pull_request_id, r.reviewed_at, r.approved, r.reviewer FROM pull_request_reviews r "
    "JOIN ids ON ids.id = r.pull_request_id JOIN pull_requests p ON p.id = r.pull_request_id "
    "ORDER BY r.pull_request_id, r.reviewed_at, CASE WHEN " +
    kOpenedIn + " THEN r.approved END, CASE WHEN " + kOpenedIn + " THEN r.reviewer" + kC +
    " END, r.seq";

Result<domain::PullRequestFact> ReadFact(PgRow row) {
  domain::PullRequestFact pr;
  pr.id = row.Text();
  pr.team_id = row.Text();
  pr.author = row.Text();
  pr.opened_at = row.Int();
  pr.merged_at = row.OptInt();
  pr.closed_at = row.OptInt();
  pr.additions = row.OptInt();
  pr.deletions = row.OptInt();
  if (!row.status().ok()) return row.status();
  return pr;
}

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
  auto facts = conn.Run("emm_th_pull_requests", kFactsSql, p);
  if (!facts.ok()) return facts.status();
  auto prs = ReadAll(*facts, &ReadFact);
  if (!prs.ok()) return prs.status();
  *out = std::move(prs).value();

  std::unordered_map<std::string, size_t> index_of;  // id -> position in out
  for (size_t i = 0; i < out->size(); ++i) index_of.emplace((*out)[i].id, i);
  auto reviews = conn.Run("emm_th_reviews", kReviewsSql, p);
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
  return ReadAll(*r, &ReadPullRequest);
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
