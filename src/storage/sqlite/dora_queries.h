// The reads behind the DORA figures and their explanation (EventStore::LoadDoraEvents,
// LoadDoraFacts, LoadTimeline, ListUndeployed): the SQL of one connection, on the DORA groups and
// indexes of migrations 4 and 5. Internal to the SQLite store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/status.h"
#include "domain/dora.h"
#include "domain/events.h"
#include "storage/event_store.h"
#include "storage/sqlite/sqlite_connection.h"

namespace emm::storage::sqlite {

// LoadDoraEvents, LoadDoraFacts and LoadTimeline run several queries: the caller holds one
// snapshot around each (WithSnapshot, storage/read_snapshot.h) so that they see the same commit.

// The full records of q's range.
Result<domain::DoraEvents> LoadDoraEvents(SqliteConnection& c, const DoraQuery& q);
// The compact rows of q's range, with room reserved for `expected_deployments` of them.
Result<domain::DoraFacts> LoadDoraFacts(SqliteConnection& c, const DoraQuery& q,
                                        size_t expected_deployments);
// The deployments deployed and the incidents started or restored in q's range, each in time order.
Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
    SqliteConnection& c, const DoraQuery& q);
// A page of the deployments started in q's range and never deployed, in start order.
Result<std::vector<domain::Deployment>> ListUndeployed(SqliteConnection& c, const DoraQuery& q,
                                                       int64_t offset, int64_t limit);

}  // namespace emm::storage::sqlite
