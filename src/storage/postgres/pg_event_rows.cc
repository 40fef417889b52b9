#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {

template <typename T>
T PgRow::Keep(Result<T> v) {
  ++col_;
  if (v.ok()) return std::move(v).value();
  if (status_.ok()) status_ = v.status();
  return T{};
}

int64_t PgRow::Int() { return Keep(r_.Int64(row_, col_)); }
std::optional<int64_t> PgRow::OptInt() { return Keep(r_.OptionalInt64(row_, col_)); }
double PgRow::Double() { return Keep(r_.Double(row_, col_)); }
std::optional<double> PgRow::OptDouble() {
  if (IsNull()) {
    ++col_;
    return std::nullopt;
  }
  return Double();
}

}  // namespace emm::storage::postgres
