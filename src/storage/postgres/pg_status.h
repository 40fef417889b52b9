// libpq errors become a Status here, once, at the edge of the module that calls PostgreSQL.
#pragma once

#include <string_view>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace emm::storage::postgres {

// The five-character SQLSTATE of a failed result ("23505"), or "" when there is none (the
// connection broke before the server answered, or libpq failed on its own).
std::string_view SqlStateOf(const pg_result* result);

// Serialization failures (40001) and deadlocks (40P01): the transaction was rolled back and
// running it again may succeed.
bool IsRetryable(std::string_view sqlstate);

// `what` says what was being done ("preparing insert_event"); the server's message follows.
// By SQLSTATE class: 23505 unique_violation is kAlreadyExists on "id"; 40001/40P01 (retryable),
// 08 connection exceptions, 57P01-57P03 (shut down, starting up), 53300 too many connections and
// a result with no SQLSTATE on a broken connection are kUnavailable; 53100 disk full is
// kResourceExhausted; XX001/XX002 damaged data is kDataLoss; the rest (syntax, other constraints,
// our bugs) kInternal. `result` may be null (libpq ran out of memory or lost the connection).
Status FromPq(const pg_conn* conn, const pg_result* result, std::string_view what);

// A connection that could not be made: always kUnavailable (the server may come back).
Status FromPqConnect(const pg_conn* conn, std::string_view what);

}  // namespace emm::storage::postgres
