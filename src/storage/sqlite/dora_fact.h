// emm_dora_fact(first_commit_at, deploy_start_at, failed, recovered_at, kind): what a DORA range
// needs of a deployment besides its group and deployed_at, packed in one value (migration 4), so
// reading a range fetches one column per row instead of five (bench/dora_query.sh: the five
// fetches were 40% of a 90-day read). Every connection registers the function; the DORA reads
// decode its values. Internal to the SQLite store.
#pragma once

#include <sqlite3.h>

#include "domain/dora.h"

namespace emm::storage::sqlite {

// The SQL function itself (5 arguments, deterministic), for sqlite3_create_function_v2.
void DoraFactFunction(sqlite3_context* ctx, int, sqlite3_value** argv);

// Fills `d` from an emm_dora_fact value; false when the value is not one.
bool DecodeDoraFact(const void* blob, int size, domain::DeployedFact* d);

}  // namespace emm::storage::sqlite
