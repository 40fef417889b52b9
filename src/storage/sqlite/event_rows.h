// How the event and metric-state tables' rows are read and bound in SQLite (deployments,
// incidents, pull requests, metric_series), in the column order of storage/event_columns.h (the
// lists and value conversions every backend shares). Internal to the SQLite store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "storage/event_columns.h"

namespace emm::storage::sqlite {

// A series key at ?1 .. ?4 (metric, project_id, team_id, environment) and its ticket_type at
// ?`ticket_type_at` (migration 8 added it after the statements' other parameters).
void BindSeriesKey(sqlite3_stmt* s, const domain::SeriesKey& k, int ticket_type_at);
// Binds the state columns (start_ms .. buckets) at ?6 .. ?12.
void BindSeriesState(sqlite3_stmt* s, const domain::SeriesState& st);
// The columns of kDeploymentColumns, kIncidentColumns at ?1, ?2, ...
void BindDeployment(sqlite3_stmt* s, const domain::Deployment& d);
void BindIncident(sqlite3_stmt* s, const domain::Incident& i);

// Readers of a row whose first columns are the table's column list.
domain::PullRequest ReadPullRequest(sqlite3_stmt* s);
domain::Deployment ReadDeployment(sqlite3_stmt* s);
domain::Incident ReadIncident(sqlite3_stmt* s);
domain::SeriesState ReadSeries(sqlite3_stmt* s);

}  // namespace emm::storage::sqlite
