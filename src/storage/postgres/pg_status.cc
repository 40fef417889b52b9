#include "storage/postgres/pg_status.h"

#include <libpq-fe.h>

#include <string>

namespace emm::storage::postgres {
namespace {

// libpq's messages end with a newline (sometimes more lines: DETAIL, HINT); one line in a Status.
std::string OneLine(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s.empty() ? "no message from libpq" : s;
}

}  // namespace

std::string_view SqlStateOf(const pg_result* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state ? state : "";
}

bool IsRetryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

Status FromPq(const pg_conn* conn, const pg_result* result, std::string_view what) {
  std::string_view state = SqlStateOf(result);
  std::string msg = std::string(what) + ": " +
                    OneLine(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (!state.empty()) msg += " (SQLSTATE " + std::string(state) + ")";
  if (state.empty()) {
    // No answer from the server: the connection is gone, or libpq failed locally.
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
      return Status::Unavailable("the database connection was lost: " + msg);
    }
    return Status::Internal(std::move(msg));
  }
  if (state == "23505") return Status::AlreadyExists("id", std::move(msg));
  if (IsRetryable(state)) {
    return Status::Unavailable("the transaction was rolled back by the database, retry: " + msg);
  }
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300") {
    return Status::Unavailable(std::move(msg));
  }
  if (state == "54000") {
    // program_limit_exceeded: a value too long for an index entry (2,704 bytes a row), which
    // SQLite would have stored. The API's length limits keep it from happening; should a value
    // get past them, it is refused as the client's, not a server error.
    return Status::InvalidArgument("", "a value is too long for the database to index: " + msg);
  }
  if (state == "53100") {
    return Status::ResourceExhausted(
        "the database's disk is full; nothing was stored: retry once "
        "space is freed (" +
        msg + ")");
  }
  if (state == "XX001" || state == "XX002") {
    return Status::DataLoss("the database reports damaged data (" + msg +
                            "); the operator should check the PostgreSQL server");
  }
  return Status::Internal(std::move(msg));
}

Status FromPqConnect(const pg_conn* conn, std::string_view what) {
  return Status::Unavailable(std::string(what) + ": " +
                             OneLine(conn ? PQerrorMessage(conn) : "out of memory"));
}

}  // namespace emm::storage::postgres
