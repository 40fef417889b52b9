#include "storage/sqlite/team_health_queries.h"

#include <sqlite3.h>

#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/sqlite/ticket_queries.h"

namespace emm::storage::sqlite {
namespace {

// Every team with a pull request.
const std::string kTeams = EveryTeamOf("pull_requests");

// What the figures need of a pull request (ReadFact's columns, after the rowid).
const std::string kFacts =
    std::string("SELECT rowid, ") + kPullRequestFactColumns + " FROM pull_requests ";
// One team's pull requests opened in [?2, ?3), from the opening index alone (migration 9).
const std::string kOpenedIn = kFacts +
                              "INDEXED BY pull_requests_by_team_opened "
                              "WHERE team_id = ?1 AND opened_at >= ?2 AND opened_at < ?3";
// Every review of those, whenever made, in (pull request, time) order.
const std::string kReviewsOfOpenedIn =
    "SELECT pull_request_id, reviewed_at, approved, reviewer FROM pull_request_reviews "
    "INDEXED BY pull_request_reviews_by_team_opened "
    "WHERE team_id = ?1 AND pull_request_opened_at >= ?2 AND pull_request_opened_at < ?3";
// The rowids of one team's pull requests merged, or closed, in [?2, ?3).
const std::string kEndedIn[] = {
    "SELECT rowid FROM pull_requests INDEXED BY pull_requests_by_team_merged "
    "WHERE team_id = ?1 AND merged_at >= ?2 AND merged_at < ?3",
    "SELECT rowid FROM pull_requests INDEXED BY pull_requests_by_team_closed "
    "WHERE team_id = ?1 AND closed_at >= ?2 AND closed_at < ?3",
};
// The pull requests a team's reviews of [?2, ?3) are about (one row per review).
const std::string kReviewedIn =
    "SELECT pull_request_id FROM pull_request_reviews INDEXED BY pull_request_reviews_by_team "
    "WHERE team_id = ?1 AND reviewed_at >= ?2 AND reviewed_at < ?3";
// One pull request not opened in the range, by rowid or by id, and its reviews.
const std::string kByRowid = kFacts + "WHERE rowid = ?1";
const std::string kById = kFacts + "WHERE id = ?1";
const std::string kReviewsOf =
    "SELECT pull_request_id, reviewed_at, approved, reviewer FROM pull_request_reviews "
    "INDEXED BY pull_request_reviews_by_pull_request WHERE pull_request_id = ?1 "
    "ORDER BY reviewed_at, rowid";

domain::PullRequestFact ReadFact(sqlite3_stmt* s) {
  SqliteRow row(s, 1);  // after the rowid
  return ReadColumns<domain::PullRequestFact>(row);
}

Status Read(Statements& db, const TeamHealthQuery& q, domain::TeamHealthFacts* out) {
  std::vector<std::string> teams = q.teams;
  if (teams.empty()) {
    EMM_RETURN_IF_ERROR(db.Query(kTeams, nullptr, [&](sqlite3_stmt* s) {
      teams.push_back(ColText(s, 0));
      return Status::Ok();
    }));
  }
  std::vector<domain::PullRequestFact>& prs = out->pull_requests;
  std::unordered_map<std::string, size_t> index_of;  // id -> position in prs
  std::unordered_set<int64_t> rowids;
  const Row add = [&](sqlite3_stmt* s) {
    if (!rowids.insert(sqlite3_column_int64(s, 0)).second) return Status::Ok();
    prs.push_back(ReadFact(s));
    index_of.emplace(prs.back().id, prs.size() - 1);
    return Status::Ok();
  };
  const Row add_review = [&](sqlite3_stmt* s) {
    auto it = index_of.find(ColText(s, 0));
    if (it != index_of.end()) {
      prs[it->second].reviews.push_back(
          {sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2) != 0, ColText(s, 3)});
    }
    return Status::Ok();
  };
  for (const std::string& team : teams) {
    const Bind range = TeamAndRange(team, q.from, q.to);
    // Opened in the range, and every review of them: two index ranges.
    EMM_RETURN_IF_ERROR(db.Query(kOpenedIn, range, add));
    EMM_RETURN_IF_ERROR(db.Query(kReviewsOfOpenedIn, range, add_review));
    // Opened before (or, with skewed clocks, after) the range and merged, closed or reviewed in
    // it: a few, read one by one with their reviews.
    const size_t others = prs.size();
    std::vector<int64_t> ended;
    for (const std::string& sql : kEndedIn) {
      EMM_RETURN_IF_ERROR(db.Query(sql, range, [&](sqlite3_stmt* s) {
        const int64_t rowid = sqlite3_column_int64(s, 0);
        if (!rowids.count(rowid)) ended.push_back(rowid);
        return Status::Ok();
      }));
    }
    for (int64_t rowid : ended) {
      EMM_RETURN_IF_ERROR(
          db.Query(kByRowid, [&](sqlite3_stmt* s) { sqlite3_bind_int64(s, 1, rowid); }, add));
    }
    std::unordered_set<std::string> reviewed;
    EMM_RETURN_IF_ERROR(db.Query(kReviewedIn, range, [&](sqlite3_stmt* s) {
      std::string id = ColText(s, 0);
      if (!index_of.count(id)) reviewed.insert(std::move(id));
      return Status::Ok();
    }));
    for (const std::string& id : reviewed) {
      EMM_RETURN_IF_ERROR(db.Query(kById, [&](sqlite3_stmt* s) { BindText(s, 1, id); }, add));
    }
    for (size_t k = others; k < prs.size(); ++k) {
      EMM_RETURN_IF_ERROR(
          db.Query(kReviewsOf, [&](sqlite3_stmt* s) { BindText(s, 1, prs[k].id); }, add_review));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<domain::TeamHealthFacts> LoadTeamHealthFacts(Statements& db, const TeamHealthQuery& q) {
  domain::TeamHealthFacts out;
  if (q.pull_requests) EMM_RETURN_IF_ERROR(Read(db, q, &out));
  if (q.tickets) EMM_RETURN_IF_ERROR(ReadTicketHealthFacts(db, q, &out.tickets));
  out.teams = q.teams;
  return out;
}

}  // namespace emm::storage::sqlite
