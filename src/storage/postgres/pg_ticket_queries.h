// The PostgreSQL store's ticket reads: the listing, the tickets behind the ticket stats and the
// team-health ticket facts (SQLite's: sqlite/ticket_queries.h), the same rows in the same order.
// Filters are arrays (`= ANY($n::text[])`), so each read is one statement text whatever the
// number of teams or projects.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "domain/events.h"
#include "domain/ticket_health.h"
#include "storage/event_store.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Oldest created first, then by id.
Result<std::vector<domain::Ticket>> ListTickets(PgConnection& conn, const TicketQuery& q);
// Done tickets finished in [q.from, q.to], by finish then id.
Result<std::vector<domain::Ticket>> LoadTicketsForStats(PgConnection& conn,
                                                        const TicketStatsQuery& q);
// Every team_id of `table` (pull_requests, tickets), sorted bytewise as SQLite's EveryTeamOf.
Result<std::vector<std::string>> EveryTeamOf(PgConnection& conn, const std::string& table);
// Puts `rows` (each with an `id`) in the order of `ids`: a read by `id = ANY($1)` comes back in
// any order, and ordering it in SQL (array_position) costs a scan of the array per row.
template <typename Row>
void InOrderOf(std::vector<Row>& rows, const std::vector<std::string>& ids) {
  std::unordered_map<std::string_view, size_t> place;
  for (size_t i = 0; i < ids.size(); ++i) place.emplace(ids[i], i);
  auto place_of = [&](const Row& r) {
    auto it = place.find(r.id);
    return it == place.end() ? ids.size() : it->second;
  };
  std::sort(rows.begin(), rows.end(),
            [&](const Row& a, const Row& b) { return place_of(a) < place_of(b); });
}
// Team health: every ticket of q.ticket_teams (every team's when empty) and q.projects first done
// (and done now), created, canceled or re-opened in [q.from, q.to), with its re-openings in the
// range. A few queries: the caller holds one snapshot around them (WithSnapshot over PgSnapshot).
Result<std::vector<domain::TicketFact>> LoadTicketHealthFacts(PgConnection& conn,
                                                              const TeamHealthQuery& q);

}  // namespace emm::storage::postgres
