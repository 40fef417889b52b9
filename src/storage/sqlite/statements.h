// What the SQLite store's query files share: running a statement on a connection (its cached
// prepared statements), and binding and reading values the way every table stores them (text,
// UTC milliseconds as INTEGER, NULL for "none").
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "storage/event_rows.h"

namespace emm::storage::sqlite {

using Bind = std::function<void(sqlite3_stmt*)>;
using Row = std::function<Status(sqlite3_stmt*)>;

// One connection's statements. Used by one thread at a time.
class Statements {
 public:
  virtual ~Statements() = default;
  // Steps a statement that returns no rows (or ignores them).
  virtual Status Run(const std::string& sql, const Bind& bind) = 0;
  // Steps a query, calling `row` for each row; a row's error stops it.
  virtual Status Query(const std::string& sql, const Bind& bind, const Row& row) = 0;
};

// Resets a cached statement when the scope that used it ends.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : s_(s) {}
  ~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

inline void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
inline void BindOptInt(sqlite3_stmt* s, int i, const std::optional<int64_t>& v) {
  if (v) {
    sqlite3_bind_int64(s, i, *v);
  } else {
    sqlite3_bind_null(s, i);
  }
}
inline void BindOptTime(sqlite3_stmt* s, int i, const std::optional<TimeMs>& v) {
  BindOptInt(s, i, v);
}
inline void BindOptText(sqlite3_stmt* s, int i, const std::optional<std::string>& v) {
  if (v) {
    BindText(s, i, *v);
  } else {
    sqlite3_bind_null(s, i);
  }
}
inline void BindOptDouble(sqlite3_stmt* s, int i, const std::optional<double>& v) {
  if (v) {
    sqlite3_bind_double(s, i, *v);
  } else {
    sqlite3_bind_null(s, i);
  }
}
inline std::string ColText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(s, i)))
           : std::string();
}
inline std::optional<int64_t> ColOptInt(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}
inline std::optional<TimeMs> ColOptTime(sqlite3_stmt* s, int i) { return ColOptInt(s, i); }
inline std::optional<std::string> ColOptText(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return ColText(s, i);
}
// Binds ?1 = team, ?2 and ?3 = the range [from, to): the team-health reads by team and time.
inline Bind TeamAndRange(std::string team, TimeMs from, TimeMs to) {
  return [team = std::move(team), from, to](sqlite3_stmt* s) {
    BindText(s, 1, team);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
  };
}

// A query of every distinct non-null team_id of `table`, one index seek per team (a loose scan
// of an index led by team_id) rather than a pass over every row.
inline std::string EveryTeamOf(const std::string& table) {
  return "WITH RECURSIVE t(team) AS (SELECT min(team_id) FROM " + table +
         " UNION ALL SELECT (SELECT min(team_id) FROM " + table +
         " WHERE team_id > t.team) FROM t WHERE t.team IS NOT NULL) SELECT team FROM t WHERE "
         "team IS NOT NULL";
}

inline std::optional<double> ColOptDouble(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(s, i);
}

// The column cursors of storage/event_rows.h over a statement. SqliteRow reads the current row's
// columns left to right from `col`; SqliteParams binds ?`at`, ?`at`+1, ... Both are infallible:
// SQLite converts whatever a column holds, and a bind can only fail on a programming error.
class SqliteRow {
 public:
  explicit SqliteRow(sqlite3_stmt* s, int col = 0) : s_(s), col_(col) {}
  std::string Text() { return ColText(s_, col_++); }
  std::optional<std::string> OptText() { return ColOptText(s_, col_++); }
  int64_t Int() { return sqlite3_column_int64(s_, col_++); }
  std::optional<int64_t> OptInt() { return ColOptInt(s_, col_++); }
  double Double() { return sqlite3_column_double(s_, col_++); }
  std::optional<double> OptDouble() { return ColOptDouble(s_, col_++); }

 private:
  sqlite3_stmt* s_;
  int col_;
};

class SqliteParams {
 public:
  explicit SqliteParams(sqlite3_stmt* s, int at = 1) : s_(s), at_(at) {}
  SqliteParams& Add(std::string_view v) {
    BindText(s_, at_++, v);
    return *this;
  }
  SqliteParams& Add(const char* v) { return Add(std::string_view(v)); }
  SqliteParams& Add(int64_t v) {
    sqlite3_bind_int64(s_, at_++, v);
    return *this;
  }
  SqliteParams& Add(double v) {
    sqlite3_bind_double(s_, at_++, v);
    return *this;
  }
  SqliteParams& AddNull() {
    sqlite3_bind_null(s_, at_++);
    return *this;
  }
  template <typename T>
  SqliteParams& Add(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }

 private:
  sqlite3_stmt* s_;
  int at_;
};

// The records of storage/event_rows.h read from a statement's row, and bound from ?1.
template <typename T>
T ReadRow(sqlite3_stmt* s) {
  SqliteRow row(s);
  return ReadColumns<T>(row);
}
template <typename T>
void BindRow(sqlite3_stmt* s, const T& value) {
  SqliteParams p(s);
  BindColumns(p, value);
}

}  // namespace emm::storage::sqlite
