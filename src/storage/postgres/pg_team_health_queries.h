// The PostgreSQL store's pull request reads: the listing and the team-health facts (pull requests
// with all their reviews, and the tickets' through pg_ticket_queries.h), the same rows in the same
// order as SQLite's (sqlite/event_queries.h, sqlite/team_health_queries.h). The teams are one
// text[] parameter, so a read is the same few statements whatever the number of teams.
#pragma once

#include <vector>

#include "common/status.h"
#include "domain/events.h"
#include "domain/team_health.h"
#include "storage/event_store.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Oldest opened first, then by id.
Result<std::vector<domain::PullRequest>> ListPullRequests(PgConnection& conn,
                                                          const PullRequestQuery& q);
// Several queries: the caller holds one snapshot around them (WithSnapshot over PgSnapshot).
Result<domain::TeamHealthFacts> LoadTeamHealthFacts(PgConnection& conn, const TeamHealthQuery& q);

}  // namespace emm::storage::postgres
