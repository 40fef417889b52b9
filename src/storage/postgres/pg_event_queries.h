// The PostgreSQL store's reads beyond the records by id (those are PgWriteTransaction's Find*, on
// a read connection): the metric state, the export marks, a ticket's history. The listings and
// the DORA and team-health reads join them here (SQLite's: sqlite/event_queries.h and beside).
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/metrics.h"
#include "storage/event_store.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Every series' state, by key.
Result<std::vector<domain::SeriesState>> ListSeries(PgConnection& conn);
Result<std::vector<domain::ExportMark>> ListExportMarks(PgConnection& conn);
// Two queries: the caller holds one snapshot around them (WithSnapshot over PgSnapshot).
Result<TicketHistory> GetTicketHistory(PgConnection& conn, std::string_view id);

}  // namespace emm::storage::postgres
