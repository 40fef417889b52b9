// The reads behind the team-health figures (EventStore::LoadTeamHealthFacts): the SQL of one
// connection, on migration 9's indexes (the tickets': ticket_queries.h, migration 11). Internal
// to the SQLite store.
#pragma once

#include "common/status.h"
#include "domain/team_health.h"
#include "storage/event_store.h"
#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

// Reads q's pull requests and their reviews, and its tickets: several queries, so the caller holds
// one snapshot around it (WithSnapshot, storage/read_snapshot.h).
Result<domain::TeamHealthFacts> LoadTeamHealthFacts(Statements& db, const TeamHealthQuery& q);

}  // namespace emm::storage::sqlite
