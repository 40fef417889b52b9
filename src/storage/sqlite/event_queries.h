// The listings behind the REST reads and the metric state (EventStore::ListDeployments,
// ListIncidents, ListPullRequests, ListSeries, ListExportMarks): the SQL of one connection.
// Internal to the SQLite store.
#pragma once

#include <vector>

#include "common/status.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "storage/event_store.h"
#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

// Up to four queries (groups, the deployed part, a count, the rest): the caller holds one
// snapshot around it (WithSnapshot, storage/read_snapshot.h).
Result<std::vector<domain::Deployment>> ListDeployments(Statements& db, const DeploymentQuery& q);
Result<std::vector<domain::Incident>> ListIncidents(Statements& db, const IncidentQuery& q);
Result<std::vector<domain::PullRequest>> ListPullRequests(Statements& db,
                                                          const PullRequestQuery& q);
// Every series' state, by key.
Result<std::vector<domain::SeriesState>> ListSeries(Statements& db);
Result<std::vector<domain::ExportMark>> ListExportMarks(Statements& db);

}  // namespace emm::storage::sqlite
