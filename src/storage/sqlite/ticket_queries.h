// The tickets' SQL (migration 8: tickets, ticket_status_changes, ticket_estimation_changes; 11:
// their team-health indexes): what the SQLite connection's domain::Transaction methods and
// SqliteEventStore's ticket reads run.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/events.h"
#include "domain/ticket_health.h"
#include "storage/event_store.h"
#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

Result<std::optional<domain::Ticket>> FindTicket(Statements& db, std::string_view id);
Status PutTicket(Statements& db, const domain::Ticket& t);
Status InsertTicketStatusChange(Statements& db, const domain::TicketStatusChange& c);
Status InsertTicketEstimationChange(Statements& db, const domain::TicketEstimationChange& c);
Result<bool> HasChildTickets(Statements& db, std::string_view external_id);

// Every ticket in the order first stored (recorded_at, then id).
Status ForEachTicket(Statements& db, const std::function<Status(const domain::Ticket&)>& fn);
// The changes of one ticket (or of all when `ticket_id` is none), in the order stored.
Status ForEachTicketStatusChange(
    Statements& db, std::optional<std::string_view> ticket_id,
    const std::function<Status(const domain::TicketStatusChange&)>& fn);
Status ForEachTicketEstimationChange(
    Statements& db, std::optional<std::string_view> ticket_id,
    const std::function<Status(const domain::TicketEstimationChange&)>& fn);

Result<std::vector<domain::Ticket>> ListTickets(Statements& db, const TicketQuery& q);
// Two queries: the caller holds one snapshot around it (WithSnapshot, storage/read_snapshot.h).
Result<TicketHistory> GetTicketHistory(Statements& db, std::string_view id);
Result<std::vector<domain::Ticket>> LoadTicketsForStats(Statements& db, const TicketStatsQuery& q);

// Team health: appends to `out` every ticket of q.ticket_teams (every team's when empty) and
// q.projects first done (and done now), created, canceled or re-opened in [q.from, q.to), with its
// re-openings in the range. Runs inside the caller's read transaction.
Status ReadTicketHealthFacts(Statements& db, const TeamHealthQuery& q,
                             std::vector<domain::TicketFact>* out);

}  // namespace emm::storage::sqlite
