// The reads behind the DORA figures and their explanation on PostgreSQL (EventStore::
// LoadDoraEvents, LoadDoraFacts, LoadTimeline, ListUndeployed), the same rows in the same order as
// SQLite's (sqlite/dora_queries.h), from the plain columns: dora_fact stays NULL here. Filters are
// text[] parameters (`= ANY($n::text[])`), so each read has a few statement texts whatever the
// filter values. Internal to the PostgreSQL store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "domain/dora.h"
#include "domain/events.h"
#include "storage/event_store.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// A statement built piece by piece: each value added becomes the next $n, and the statement's
// name (it is prepared once per connection) is derived from its text, so texts that differ by
// their filters are different prepared statements.
class PgStatement {
 public:
  explicit PgStatement(std::string prefix) : prefix_(std::move(prefix)) {}
  // "$n" for the value, added as the next parameter.
  std::string Param(int64_t v);
  std::string Param(std::string_view v);
  std::string Array(const std::vector<std::string>& values);  // a text[]
  PgStatement& operator+=(std::string_view sql) {
    sql_ += sql;
    return *this;
  }
  Result<PgResult> Run(PgConnection& c) const;

 private:
  std::string prefix_;
  std::string sql_;
  PgParams params_;
};

// LoadDoraEvents, LoadDoraFacts and LoadTimeline run several queries: the caller holds one
// snapshot around each (WithSnapshot over PgSnapshot) so that they see the same commit.

// The full records of q's range.
Result<domain::DoraEvents> LoadDoraEvents(PgConnection& c, const DoraQuery& q);
// The compact rows of q's range, grouped by DORA group as SQLite's are.
Result<domain::DoraFacts> LoadDoraFacts(PgConnection& c, const DoraQuery& q);
// The deployments deployed and the incidents started or restored in q's range, each in time order.
Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
    PgConnection& c, const DoraQuery& q);
// A page of the deployments started in q's range and never deployed, in start order.
Result<std::vector<domain::Deployment>> ListUndeployed(PgConnection& c, const DoraQuery& q,
                                                       int64_t offset, int64_t limit);

}  // namespace emm::storage::postgres
