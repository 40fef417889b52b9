// The PostgreSQL store's reads beyond the records by id (those are PgWriteTransaction's Find*, on
// a read connection): the deployment and incident listings, the metric state, the export marks, a
// ticket's history (SQLite's: sqlite/event_queries.h). The DORA reads: pg_dora_queries.h.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/metrics.h"
#include "domain/events.h"
#include "storage/event_store.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// SQLite's order and paging; two or three queries: the caller holds one snapshot around them.
Result<std::vector<domain::Deployment>> ListDeployments(PgConnection& conn,
                                                        const DeploymentQuery& q);
Result<std::vector<domain::Incident>> ListIncidents(PgConnection& conn, const IncidentQuery& q);
// Every series' state, by key.
Result<std::vector<domain::SeriesState>> ListSeries(PgConnection& conn);
Result<std::vector<domain::ExportMark>> ListExportMarks(PgConnection& conn);
// Two queries: the caller holds one snapshot around them (WithSnapshot over PgSnapshot).
Result<TicketHistory> GetTicketHistory(PgConnection& conn, std::string_view id);

}  // namespace emm::storage::postgres
