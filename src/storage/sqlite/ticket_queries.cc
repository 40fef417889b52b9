#include "storage/sqlite/ticket_queries.h"

#include <set>
#include <string>
#include <unordered_map>

#include "storage/event_columns.h"

namespace emm::storage::sqlite {
namespace {

using domain::Ticket;
using domain::TicketStatus;

// The CHECK constraint keeps the column to the six names; UNKNOWN is what a newer one would read.
TicketStatus ColStatus(sqlite3_stmt* s, int i) {
  return TicketStatusFromText(ColText(s, i));
}

Status CollectTickets(Statements& db, const std::string& sql, const Bind& bind,
                      std::vector<Ticket>* out) {
  return db.Query(sql, bind, [&](sqlite3_stmt* st) {
    out->push_back(ReadRow<Ticket>(st));
    return Status::Ok();
  });
}

// A history table's rows (every ticket's, or `ticket_id`'s) in the order stored.
template <typename T>
Status ForEachChange(Statements& db, const char* columns, const char* table,
                     std::optional<std::string_view> ticket_id,
                     const std::function<Status(const T&)>& fn) {
  std::string sql = std::string("SELECT ") + columns + " FROM " + table;
  if (ticket_id) sql += " WHERE ticket_id = ?1";
  sql += " ORDER BY rowid";
  return db.Query(
      sql, [&](sqlite3_stmt* s) { if (ticket_id) BindText(s, 1, *ticket_id); },
      [&](sqlite3_stmt* s) { return fn(ReadRow<T>(s)); });
}

}  // namespace

Result<std::optional<Ticket>> FindTicket(Statements& db, std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE id = ?1";
  std::vector<Ticket> found;
  EMM_RETURN_IF_ERROR(CollectTickets(db, sql, [&](sqlite3_stmt* s) { BindText(s, 1, id); },
                                     &found));
  if (found.empty()) return std::optional<Ticket>();
  return std::optional<Ticket>(std::move(found.front()));
}

Status PutTicket(Statements& db, const Ticket& t) {
  // An upsert rather than INSERT OR REPLACE: replacing would delete the row its history refers to.
  static const std::string sql =
      std::string("INSERT INTO tickets (") + kTicketColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) " +
      kTicketUpsert;
  return db.Run(sql, [&](sqlite3_stmt* s) { BindRow(s, t); });
}

Status InsertTicketStatusChange(Statements& db, const domain::TicketStatusChange& c) {
  static const std::string sql =
      std::string("INSERT INTO ticket_status_changes (") + kStatusChangeColumns +
      ", team_id) VALUES (?1, ?2, ?3, ?4, ?5, "
      "(SELECT team_id FROM tickets WHERE id = ?1))";  // team health's (migration 11)
  return db.Run(sql, [&](sqlite3_stmt* s) { BindRow(s, c); });
}

Status InsertTicketEstimationChange(Statements& db, const domain::TicketEstimationChange& c) {
  static const std::string sql = std::string("INSERT INTO ticket_estimation_changes (") +
                                 kEstimationChangeColumns + ") VALUES (?1, ?2, ?3, ?4, ?5)";
  return db.Run(sql, [&](sqlite3_stmt* s) { BindRow(s, c); });
}

Result<bool> HasChildTickets(Statements& db, std::string_view external_id) {
  static const std::string sql =
      "SELECT EXISTS (SELECT 1 FROM tickets WHERE parent_ticket_id = ?1)";
  bool found = false;
  EMM_RETURN_IF_ERROR(db.Query(
      sql, [&](sqlite3_stmt* s) { BindText(s, 1, external_id); },
      [&](sqlite3_stmt* s) {
        found = sqlite3_column_int(s, 0) != 0;
        return Status::Ok();
      }));
  return found;
}

Status ForEachTicket(Statements& db, const std::function<Status(const Ticket&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kTicketColumns + " FROM tickets ORDER BY recorded_at, id";
  return db.Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadRow<Ticket>(s)); });
}

Status ForEachTicketStatusChange(
    Statements& db, std::optional<std::string_view> ticket_id,
    const std::function<Status(const domain::TicketStatusChange&)>& fn) {
  return ForEachChange(db, kStatusChangeColumns, "ticket_status_changes", ticket_id, fn);
}

Status ForEachTicketEstimationChange(
    Statements& db, std::optional<std::string_view> ticket_id,
    const std::function<Status(const domain::TicketEstimationChange&)>& fn) {
  return ForEachChange(db, kEstimationChangeColumns, "ticket_estimation_changes", ticket_id, fn);
}

Result<std::vector<Ticket>> ListTickets(Statements& db, const TicketQuery& q) {
  std::string sql = std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE 1";
  if (q.team_id) sql += " AND team_id = ?3";
  if (q.project_id) sql += " AND project_id = ?4";
  if (q.status) sql += " AND status = ?5";
  sql += " ORDER BY created_at, id LIMIT ?1 OFFSET ?2";
  std::vector<Ticket> out;
  EMM_RETURN_IF_ERROR(CollectTickets(
      db, sql,
      [&](sqlite3_stmt* s) {
        sqlite3_bind_int64(s, 1, q.limit);
        sqlite3_bind_int64(s, 2, q.offset);
        if (q.team_id) BindText(s, 3, *q.team_id);
        if (q.project_id) BindText(s, 4, *q.project_id);
        if (q.status) BindText(s, 5, domain::TicketStatusName(*q.status));
      },
      &out));
  return out;
}

Result<TicketHistory> GetTicketHistory(Statements& db, std::string_view id) {
  TicketHistory h;
  EMM_RETURN_IF_ERROR(ForEachTicketStatusChange(db, id, [&](const domain::TicketStatusChange& c) {
    h.statuses.push_back(c);
    return Status::Ok();
  }));
  EMM_RETURN_IF_ERROR(
      ForEachTicketEstimationChange(db, id, [&](const domain::TicketEstimationChange& c) {
        h.estimations.push_back(c);
        return Status::Ok();
      }));
  return h;
}

Result<std::vector<Ticket>> LoadTicketsForStats(Statements& db, const TicketStatsQuery& q) {
  // A ticket that counts started at or after `from` and finished after it started, so its finish
  // lies in [from, to]: one range of the done tickets' finish index.
  std::string sql = std::string("SELECT ") + kTicketColumns +
                    " FROM tickets t WHERE status = 'DONE' AND finished_at BETWEEN ?1 AND ?2";
  if (q.exclude_parents) {
    sql += " AND (external_id = '' OR NOT EXISTS (SELECT 1 FROM tickets c WHERE "
           "c.parent_ticket_id = t.external_id))";
  }
  sql += " ORDER BY finished_at, id";
  std::vector<Ticket> out;
  EMM_RETURN_IF_ERROR(CollectTickets(
      db, sql,
      [&](sqlite3_stmt* s) {
        sqlite3_bind_int64(s, 1, q.from);
        sqlite3_bind_int64(s, 2, q.to);
      },
      &out));
  return out;
}

// --- Team health (migration 11's indexes) ---

namespace {

// Every team with a ticket (tickets_by_team_created leads with team_id).
const std::string kTicketTeams = EveryTeamOf("tickets");

// What the figures need of a ticket (kTicketFactColumns, then): whether it is a parent, when it
// was last canceled (canceled ones), how often its estimate changed (done ones).
const std::string kFacts =
    std::string("SELECT ") + kTicketFactColumns +
    ", external_id <> '' AND EXISTS (SELECT 1 FROM tickets c WHERE c.parent_ticket_id = "
    "t.external_id), "
    "CASE WHEN status = 'CANCELED' THEN (SELECT max(changed_at) FROM ticket_status_changes s "
    "WHERE s.ticket_id = t.id AND s.to_status = 'CANCELED') END, "
    "CASE WHEN status = 'DONE' THEN (SELECT count(*) FROM ticket_estimation_changes e "
    "WHERE e.ticket_id = t.id) ELSE 0 END "
    "FROM tickets t ";
// One team's tickets first done in [?2, ?3) and done now, and the others created in it (most
// tickets created in a range are also done in it: their facts are read once).
const std::string kDoneIn =
    "t.status = 'DONE' AND t.first_done_at >= ?2 AND t.first_done_at < ?3";
const std::string kFirstDoneIn = kFacts +
                                 "INDEXED BY tickets_done_by_team_first_done WHERE t.team_id = ?1 "
                                 "AND " + kDoneIn;
const std::string kCreatedIn = kFacts +
                               "INDEXED BY tickets_by_team_created WHERE t.team_id = ?1 AND "
                               "t.created_at >= ?2 AND t.created_at < ?3 AND NOT (" + kDoneIn +
                               ")";
// One team's cancellations and changes away from done in [?2, ?3).
const std::string kChangesIn =
    "SELECT ticket_id, from_status, to_status, changed_at FROM ticket_status_changes "
    "INDEXED BY ticket_status_changes_by_team WHERE team_id = ?1 AND changed_at >= ?2 AND "
    "changed_at < ?3 AND (to_status = 'CANCELED' OR from_status = 'DONE') "
    "ORDER BY changed_at, rowid";
const std::string kFactById = kFacts + "WHERE t.id = ?1";

}  // namespace

Status ReadTicketHealthFacts(Statements& db, const TeamHealthQuery& q,
                             std::vector<domain::TicketFact>* out) {
  std::set<std::string> teams(q.ticket_teams.begin(), q.ticket_teams.end());
  if (teams.empty()) {
    EMM_RETURN_IF_ERROR(db.Query(kTicketTeams, nullptr, [&](sqlite3_stmt* s) {
      teams.insert(ColText(s, 0));
      return Status::Ok();
    }));
  }
  std::vector<domain::TicketFact> tickets;
  std::unordered_map<std::string, size_t> index_of;  // id -> position in tickets
  const Row add = [&](sqlite3_stmt* s) {
    domain::TicketFact t = ReadRow<domain::TicketFact>(s);
    if (index_of.emplace(t.id, tickets.size()).second) tickets.push_back(std::move(t));
    return Status::Ok();
  };
  for (const std::string& team : teams) {
    const Bind range = TeamAndRange(team, q.from, q.to);
    EMM_RETURN_IF_ERROR(db.Query(kFirstDoneIn, range, add));
    EMM_RETURN_IF_ERROR(db.Query(kCreatedIn, range, add));
    // Cancellations and re-openings, then the few tickets not read yet, one by one.
    std::vector<std::pair<std::string, TimeMs>> reopenings;
    std::vector<std::string> others;
    EMM_RETURN_IF_ERROR(db.Query(kChangesIn, range, [&](sqlite3_stmt* s) {
      std::string id = ColText(s, 0);
      std::optional<domain::TicketStatus> from;
      if (sqlite3_column_type(s, 1) != SQLITE_NULL) from = ColStatus(s, 1);
      if (!index_of.count(id)) others.push_back(id);
      if (domain::IsReopening(from, ColStatus(s, 2))) {
        reopenings.emplace_back(std::move(id), sqlite3_column_int64(s, 3));
      }
      return Status::Ok();
    }));
    for (const std::string& id : others) {
      if (index_of.count(id)) continue;  // a ticket both canceled and re-opened in the range
      EMM_RETURN_IF_ERROR(db.Query(kFactById, [&](sqlite3_stmt* s) { BindText(s, 1, id); }, add));
    }
    for (auto& [id, at] : reopenings) {
      if (auto it = index_of.find(id); it != index_of.end()) {
        tickets[it->second].reopened.push_back(at);
      }
    }
  }
  if (q.projects.empty()) {
    *out = std::move(tickets);
  } else {
    const std::set<std::string> projects(q.projects.begin(), q.projects.end());
    for (domain::TicketFact& t : tickets) {
      if (projects.count(t.project_id)) out->push_back(std::move(t));
    }
  }
  return Status::Ok();
}

}  // namespace emm::storage::sqlite
