#include "storage/postgres/pg_ticket_queries.h"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "domain/tickets.h"
#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {
namespace {

// Ids and teams sort as SQLite's BINARY collation does, whatever the database's locale.
constexpr const char* kC = " COLLATE \"C\"";

Result<std::vector<domain::Ticket>> Tickets(Result<PgResult> r) {
  if (!r.ok()) return r.status();
  return ReadAll(*r, &ReadRow<domain::Ticket>);
}

}  // namespace

Result<std::vector<domain::Ticket>> ListTickets(PgConnection& conn, const TicketQuery& q) {
  // One statement per combination of filters (8 at most), each with a plan of its own.
  std::string sql = std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE true";
  std::string name = "emm_list_tickets_";
  PgParams p;
  p.Add(q.limit).Add(q.offset);
  auto filter = [&](bool on, const char* column, std::string_view value) {
    name += on ? '1' : '0';
    if (!on) return;
    p.Add(value);
    sql += std::string(" AND ") + column + " = $" + std::to_string(p.size());
  };
  filter(q.team_id.has_value(), "team_id", q.team_id.value_or(""));
  filter(q.project_id.has_value(), "project_id", q.project_id.value_or(""));
  filter(q.status.has_value(), "status",
         q.status ? domain::TicketStatusName(*q.status) : std::string_view());
  sql += std::string(" ORDER BY created_at, id") + kC + " LIMIT $1 OFFSET $2";
  return Tickets(conn.Run(name, sql, p));
}

Result<std::vector<domain::Ticket>> LoadTicketsForStats(PgConnection& conn,
                                                        const TicketStatsQuery& q) {
  // SQLite's: one range of the done tickets' finish index, less the parents when asked.
  static const std::string base = std::string("SELECT ") + kTicketColumns +
                                  " FROM tickets t WHERE status = 'DONE' AND finished_at "
                                  "BETWEEN $1 AND $2";
  static const std::string order = std::string(" ORDER BY finished_at, id") + kC;
  static const std::string all = base + order;
  static const std::string no_parents =
      base +
      " AND (external_id = '' OR NOT EXISTS (SELECT 1 FROM tickets c WHERE "
      "c.parent_ticket_id = t.external_id))" +
      order;
  PgParams p;
  p.Add(q.from).Add(q.to);
  return q.exclude_parents ? Tickets(conn.Run("emm_ticket_stats_no_parents", no_parents, p))
                           : Tickets(conn.Run("emm_ticket_stats", all, p));
}

// --- Team health ---

Result<std::vector<std::string>> EveryTeamOf(PgConnection& conn, const std::string& table) {
  // A skip scan through the index leading with team_id (PostgreSQL 15 has none of its own): one
  // index probe per team, not a scan of every row.
  const std::string sql = "WITH RECURSIVE t(team) AS (SELECT min(team_id) FROM " + table +
                          " UNION ALL SELECT (SELECT min(team_id) FROM " + table +
                          " WHERE team_id > t.team) FROM t WHERE t.team IS NOT NULL) "
                          "SELECT team FROM t WHERE team IS NOT NULL";
  auto r = conn.Run("emm_teams_of_" + table, sql, PgParams());
  if (!r.ok()) return r.status();
  std::vector<std::string> teams;
  for (int i = 0; i < r->rows(); ++i) teams.emplace_back(r->Text(i, 0));
  std::sort(teams.begin(), teams.end());  // SQLite's (byte) order, whatever the collation
  return teams;
}

namespace {

// The cancellations and changes away from done of the teams $1 in [$2, $3), in the order they
// happened (migration 11's partial index ticket_status_changes_by_team).
constexpr const char* kChangesInSql =
    "SELECT ticket_id, from_status, to_status, changed_at FROM ticket_status_changes "
    "WHERE team_id = ANY($1::text[]) AND changed_at >= $2 AND changed_at < $3 AND "
    "(to_status = 'CANCELED' OR from_status = 'DONE') ORDER BY changed_at, seq";

// What the figures need of a ticket t: whether it is a parent (a scalar subquery with LIMIT, an
// index probe: an EXISTS here may be planned as a hash of every ticket), when it was last
// canceled (canceled ones), how often its estimate changed (done ones).
const std::string kFactColumns =
    Prefixed(kTicketFactColumns, "t") +
    ", (t.external_id <> '' AND (SELECT 1 FROM tickets c WHERE c.parent_ticket_id = "
    "t.external_id LIMIT 1) IS NOT NULL)::int, "
    "CASE WHEN t.status = 'CANCELED' THEN (SELECT max(changed_at) FROM ticket_status_changes s "
    "WHERE s.ticket_id = t.id AND s.to_status = 'CANCELED') END, "
    "CASE WHEN t.status = 'DONE' THEN (SELECT count(*) FROM ticket_estimation_changes e "
    "WHERE e.ticket_id = t.id) ELSE 0 END";
constexpr const char* kDoneIn =
    "t.status = 'DONE' AND t.first_done_at >= $2 AND t.first_done_at < $3";

// The tickets of the teams $1 first done (and done now) in [$2, $3), then the others created in
// it, each arm one index range (migration 11), in SQLite's order: by team, the arm, its time.
const std::string kFactsSql =
    std::string("SELECT * FROM (SELECT ") + kFactColumns +
    ", 0 AS kind, t.first_done_at AS at FROM tickets t WHERE t.team_id = ANY($1::text[]) AND " +
    kDoneIn + " UNION ALL SELECT " + kFactColumns +
    ", 1, t.created_at FROM tickets t WHERE t.team_id = ANY($1::text[]) AND t.created_at >= $2 "
    "AND t.created_at < $3 AND NOT (" +
    kDoneIn + ")) f ORDER BY f.team_id" + kC + ", f.kind, f.at, f.id" + kC;
// Tickets by id (primary key probes; InOrderOf puts them in the order asked).
const std::string kByIdSql =
    std::string("SELECT ") + kFactColumns + " FROM tickets t WHERE t.id = ANY($1::text[])";

}  // namespace

Result<std::vector<domain::TicketFact>> LoadTicketHealthFacts(PgConnection& conn,
                                                              const TeamHealthQuery& q) {
  std::vector<std::string> teams;
  if (q.ticket_teams.empty()) {
    auto all = EveryTeamOf(conn, "tickets");
    if (!all.ok()) return all.status();
    teams = std::move(all).value();
  } else {
    const std::set<std::string> unique(q.ticket_teams.begin(), q.ticket_teams.end());
    teams.assign(unique.begin(), unique.end());
  }
  PgParams p;
  p.AddTextArray(teams).Add(q.from).Add(q.to);
  auto r = conn.Run("emm_th_ticket_facts", kFactsSql, p);
  if (!r.ok()) return r.status();
  auto tickets = ReadAll(*r, &ReadRow<domain::TicketFact>);
  if (!tickets.ok()) return tickets.status();
  std::unordered_map<std::string, size_t> index_of;  // id -> position in tickets
  for (size_t i = 0; i < tickets->size(); ++i) index_of.emplace((*tickets)[i].id, i);

  // Cancellations and re-openings, then the tickets not read yet, by id, each after its team's
  // others in the order of its first change (as SQLite's loop over the teams reads them).
  auto changes = conn.Run("emm_th_ticket_changes", kChangesInSql, p);
  if (!changes.ok()) return changes.status();
  std::vector<std::string> others;
  std::unordered_set<std::string> seen;
  for (int i = 0; i < changes->rows(); ++i) {
    std::string id(changes->Text(i, 0));
    if (!index_of.count(id) && seen.insert(id).second) others.push_back(std::move(id));
  }
  if (!others.empty()) {
    auto more = conn.Run("emm_th_tickets_by_id", kByIdSql, PgParams().AddTextArray(others));
    if (!more.ok()) return more.status();
    auto facts = ReadAll(*more, &ReadRow<domain::TicketFact>);
    if (!facts.ok()) return facts.status();
    InOrderOf(*facts, others);
    for (auto& t : *facts) tickets->push_back(std::move(t));
    std::stable_sort(tickets->begin(), tickets->end(),
                     [](const auto& a, const auto& b) { return a.team_id < b.team_id; });
    index_of.clear();
    for (size_t i = 0; i < tickets->size(); ++i) index_of.emplace((*tickets)[i].id, i);
  }
  // The re-openings of the range, each appended to its ticket in the order they happened.
  for (int i = 0; i < changes->rows(); ++i) {
    std::optional<domain::TicketStatus> from;
    if (!changes->IsNull(i, 1)) from = TicketStatusFromText(changes->Text(i, 1));
    if (!domain::IsReopening(from, TicketStatusFromText(changes->Text(i, 2)))) continue;
    auto it = index_of.find(std::string(changes->Text(i, 0)));
    if (it == index_of.end()) continue;
    auto at = changes->Int64(i, 3);
    if (!at.ok()) return at.status();
    (*tickets)[it->second].reopened.push_back(*at);
  }
  if (q.projects.empty()) return tickets;
  // Of the projects asked for only, as SQLite filters them.
  const std::set<std::string> projects(q.projects.begin(), q.projects.end());
  std::vector<domain::TicketFact> kept;
  for (domain::TicketFact& t : *tickets) {
    if (projects.count(t.project_id)) kept.push_back(std::move(t));
  }
  return kept;
}

}  // namespace emm::storage::postgres
