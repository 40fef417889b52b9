// PostgreSQL's column cursors for the records of storage/event_rows.h: PgRow reads a PgResult
// row (PgParams, pg_connection.h, binds), and reading a whole result. Internal to the PostgreSQL
// store; its write transaction and its reads both use them (SQLite's: sqlite/statements.h).
#pragma once

#include <string>

#include "common/status.h"
#include "domain/events.h"
#include "domain/metrics.h"
#include "domain/transaction.h"
#include "storage/event_rows.h"
#include "storage/postgres/pg_connection.h"

namespace emm::storage::postgres {

// Reads one row's columns left to right, from `col`; the first error (a column that does not
// parse) is kept and returned by status(), the values read after it are defaults.
class PgRow {
 public:
  PgRow(const PgResult& r, int row, int col = 0) : r_(r), row_(row), col_(col) {}

  std::string Text() { return std::string(r_.Text(row_, col_++)); }
  std::optional<std::string> OptText() { return r_.OptionalText(row_, col_++); }
  int64_t Int();
  std::optional<int64_t> OptInt();
  double Double();
  std::optional<double> OptDouble();
  bool IsNull() const { return r_.IsNull(row_, col_); }
  void Skip() { ++col_; }
  const Status& status() const { return status_; }

 private:
  template <typename T>
  T Keep(Result<T> v);

  const PgResult& r_;
  int row_;
  int col_;
  Status status_ = Status::Ok();
};

// A record of storage/event_rows.h read from `row`'s position on, or the first column that does
// not parse.
template <typename T>
Result<T> ReadRow(PgRow row) {
  T value = ReadColumns<T>(row);
  if (!row.status().ok()) return row.status();
  return value;
}

// Every row of `r` through `read`, in order; the first error stops.
template <typename T>
Result<std::vector<T>> ReadAll(const PgResult& r, Result<T> (*read)(PgRow)) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Result<T> v = read(PgRow(r, i));
    if (!v.ok()) return v.status();
    out.push_back(std::move(v).value());
  }
  return out;
}

// ReadAll on a statement's result, or its error.
template <typename T>
Result<std::vector<T>> Rows(Result<PgResult> r, Result<T> (*read)(PgRow)) {
  if (!r.ok()) return r.status();
  return ReadAll(*r, read);
}

}  // namespace emm::storage::postgres
