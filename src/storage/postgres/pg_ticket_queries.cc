#include "storage/postgres/pg_ticket_queries.h"

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>

#include "domain/tickets.h"
#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {
namespace {

// Ids and teams sort as SQLite's BINARY collation does, whatever the database's locale.
constexpr const char* kC = " COLLATE \"C\"";

Result<std::vector<domain::Ticket>> Tickets(Result<PgResult> r) {
  if (!r.ok()) return r.status();
  return ReadAll(*r, &ReadTicket);
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

// The cancellations and changes away from done of the teams $1 in [$2, $3) (migration 11's
// partial index ticket_status_changes_by_team).
constexpr const char* kChangesIn =
    "SELECT ticket_id, from_status, to_status, changed_at, seq FROM ticket_status_changes "
    "WHERE team_id = ANY($1::text[]) AND changed_at >= $2 AND changed_at < $3 AND "
    "(to_status = 'CANCELED' OR from_status = 'DONE')";

// The facts of the tickets of the teams $1 first done (and done now), created, canceled or
// re-opened in [$2, $3), in SQLite's order: by team, then those first done in the range (by that
// time), those created in it (by creation), the others (by their first change in the range).
// Each arm of `ids` is an index range (migration 11); $4 the projects when `by_project`.
std::string FactsSql(bool by_project) {
  const std::string kind =
      "(CASE WHEN t.status = 'DONE' AND t.first_done_at >= $2 AND t.first_done_at < $3 THEN 0 "
      "WHEN t.created_at >= $2 AND t.created_at < $3 THEN 1 ELSE 2 END)";
  return std::string("WITH changes AS (") + kChangesIn +
         "), "
         "firsts AS (SELECT DISTINCT ON (ticket_id) ticket_id, changed_at, seq FROM changes "
         "ORDER BY ticket_id, changed_at, seq), "
         "ids AS (SELECT id FROM tickets WHERE team_id = ANY($1::text[]) AND status = 'DONE' "
         "AND first_done_at >= $2 AND first_done_at < $3 "
         "UNION SELECT id FROM tickets WHERE team_id = ANY($1::text[]) AND created_at >= $2 AND "
         "created_at < $3 UNION SELECT ticket_id FROM changes) "
         "SELECT t.id, t.team_id, project_id, ticket_type, status, created_at, started_at, "
         "finished_at, first_done_at, initial_estimation, final_estimation, "
         "(external_id <> '' AND EXISTS (SELECT 1 FROM tickets c WHERE c.parent_ticket_id = "
         "t.external_id))::int, "
         "CASE WHEN status = 'CANCELED' THEN (SELECT max(changed_at) FROM ticket_status_changes s "
         "WHERE s.ticket_id = t.id AND s.to_status = 'CANCELED') END, "
         "CASE WHEN status = 'DONE' THEN (SELECT count(*) FROM ticket_estimation_changes e "
         "WHERE e.ticket_id = t.id) ELSE 0 END "
         "FROM tickets t JOIN ids ON ids.id = t.id LEFT JOIN firsts f ON f.ticket_id = t.id" +
         (by_project ? " WHERE t.project_id = ANY($4::text[])" : "") + " ORDER BY t.team_id" + kC +
         ", " + kind + ", CASE " + kind +
         " WHEN 0 THEN t.first_done_at WHEN 1 THEN t.created_at ELSE f.changed_at END, f.seq, "
         "t.id" +
         kC;
}

Result<domain::TicketFact> ReadTicketFact(PgRow row) {
  domain::TicketFact t;
  t.id = row.Text();
  t.team_id = row.Text();
  t.project_id = row.Text();
  t.ticket_type = row.Text();
  t.status = TicketStatusFromText(row.Text());
  t.created_at = row.Int();
  t.started_at = row.OptInt();
  t.finished_at = row.OptInt();
  t.first_done_at = row.OptInt();
  t.initial_estimation = row.OptDouble();
  t.final_estimation = row.OptDouble();
  t.parent = row.Int() != 0;
  t.canceled_at = row.OptInt();
  t.estimate_changes = static_cast<size_t>(row.Int());
  if (!row.status().ok()) return row.status();
  return t;
}

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
  const bool by_project = !q.projects.empty();
  if (by_project) p.AddTextArray(q.projects);
  static const std::string any_project = FactsSql(false);
  static const std::string of_projects = FactsSql(true);
  auto r = by_project ? conn.Run("emm_th_ticket_facts_projects", of_projects, p)
                      : conn.Run("emm_th_ticket_facts", any_project, p);
  if (!r.ok()) return r.status();
  auto tickets = ReadAll(*r, &ReadTicketFact);
  if (!tickets.ok()) return tickets.status();

  // The re-openings of the range, each appended to its ticket in the order they happened.
  std::unordered_map<std::string, size_t> index_of;
  for (size_t i = 0; i < tickets->size(); ++i) index_of.emplace((*tickets)[i].id, i);
  static const std::string reopenings = std::string(kChangesIn) + " ORDER BY changed_at, seq";
  auto changes = conn.Run("emm_th_ticket_changes", reopenings,
                          PgParams().AddTextArray(teams).Add(q.from).Add(q.to));
  if (!changes.ok()) return changes.status();
  for (int i = 0; i < changes->rows(); ++i) {
    std::optional<domain::TicketStatus> from;
    if (!changes->IsNull(i, 1)) from = TicketStatusFromText(changes->Text(i, 1));
    if (!domain::IsReopening(from, TicketStatusFromText(changes->Text(i, 2)))) continue;
    auto it = index_of.find(std::string(changes->Text(i, 0)));
    if (it == index_of.end()) continue;  // of a project left out
    auto at = changes->Int64(i, 3);
    if (!at.ok()) return at.status();
    (*tickets)[it->second].reopened.push_back(*at);
  }
  return tickets;
}

}  // namespace emm::storage::postgres
