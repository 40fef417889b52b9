// One libpq connection: opened from a postgres:// URL, statements prepared once per connection
// by name, parameters bound as text, results read by typed getters, transactions. Every libpq
// error becomes a Status in pg_status.cc; a connection found broken answers kUnavailable and
// reports Broken() so its pool (pg_pool.h) replaces it. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "storage/read_snapshot.h"

struct pg_conn;
struct pg_result;

namespace emm::storage::postgres {

// Statement parameters, in order ($1, $2, ...), sent in PostgreSQL's text format. Numbers are
// formatted without the locale (std::to_chars); nullopt is SQL NULL.
class PgParams {
 public:
  PgParams& Add(int64_t v);
  PgParams& Add(double v);
  PgParams& Add(std::string_view v);
  PgParams& Add(const char* v) { return Add(std::string_view(v)); }
  PgParams& AddNull();
  // A text[] in PostgreSQL's array literal syntax, for `col = ANY($n::text[])`: one statement
  // text whatever the number of values.
  PgParams& AddTextArray(const std::vector<std::string>& values);
  template <typename T>
  PgParams& Add(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }

  int size() const { return static_cast<int>(values_.size()); }
  // libpq passes text parameters as C strings, so a NUL would cut a value short and the
  // statement would store or match another one: such parameters are refused (kInvalidArgument)
  // before anything is sent. The API refuses control characters first, naming the field.
  Status CheckStorable() const;
  // Pointers into this object for PQexecPrepared: valid while it lives, unchanged.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
  bool has_nul_ = false;
};

// A successful result (rows or none); owns its PGresult. Getters take (row, column) and name the
// column in their errors.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int columns() const;
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool IsNull(int row, int col) const;
  std::string_view Text(int row, int col) const;  // "" for NULL
  std::optional<std::string> OptionalText(int row, int col) const;
  Result<int64_t> Int64(int row, int col) const;
  Result<double> Double(int row, int col) const;
  Result<std::optional<int64_t>> OptionalInt64(int row, int col) const;

 private:
  std::string ColumnName(int col) const;
  pg_result* result_;
};

class PgConnection {
 public:
  // `url`: postgres://user:password@host:port/db?sslmode=...&... (postgresql:// too); every
  // libpq URI parameter passes through, sslmode included. A malformed URL is kInvalidArgument on
  // `field` (the setting it came from); a server that cannot be reached is kUnavailable.
  static Result<std::unique_ptr<PgConnection>> Open(std::string_view url,
                                                    std::string_view field = "database_url");
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Plain SQL, no parameters; several statements separated by ';' are allowed (migrations).
  Status Exec(std::string_view sql);
  // The statement `name` is prepared on this connection the first time it is run and reused
  // after; the same name must always come with the same SQL.
  Result<PgResult> Run(const std::string& name, std::string_view sql, const PgParams& params);

  // Pipeline mode (libpq's, PostgreSQL 14+): Send() queues a statement whose result nobody needs
  // before the next read, and the next Run() or Sync() sends everything queued in one round trip.
  // Statements run in order; the first error among them is what that Run() or Sync() answers
  // (the rest of the round trip is then skipped by the server). Outside pipeline mode Send()
  // runs the statement at once. Exec() and Begin()/Commit()/Rollback() want it off.
  Status EnterPipeline();
  Status ExitPipeline();  // Sync()s first
  Status Send(const std::string& name, std::string_view sql, const PgParams& params);
  Status Sync();
  // In pipeline mode: COMMIT queued behind what was sent, in the same round trip (as Commit()).
  Status PipelinedCommit();

  // BEGIN [ISOLATION LEVEL ...], COMMIT, ROLLBACK. `isolation` e.g. "SERIALIZABLE".
  Status Begin(std::string_view isolation = {});
  Status Commit();
  Status Rollback();

  // The connection is unusable (lost, or the server shut it down): discard it. An idle
  // connection whose server went away is only found out by looking: this reads what the server
  // sent (its goodbye, or the socket's end) without waiting.
  bool Broken();
  // Inside a transaction (or a failed one): not fit to be handed to another user as is.
  bool InTransaction() const;
  // How many statements this connection has prepared (the tests count them).
  int prepares() const { return prepares_; }
  // Whether Open() set plan_cache_mode = force_custom_plan (PostgreSQL 12+): every run of a
  // prepared statement is then planned for its parameters. A transaction that wants the default
  // back (a write batch: lookups by key, whose generic plan is as good and saves the planning)
  // says `SET LOCAL plan_cache_mode = auto`, which only a server that knows the setting accepts.
  bool custom_plans() const { return custom_plans_; }

 private:
  PgConnection(pg_conn* conn, bool custom_plans) : conn_(conn), custom_plans_(custom_plans) {}
  // Takes `result`: a success becomes a PgResult, a failure a Status (and is freed).
  Result<PgResult> Check(pg_result* result, std::string_view what);
  // Queues the prepare (first time) and the execution of `name` in the pipeline.
  Status SendPrepared(const std::string& name, std::string_view sql, const PgParams& params);
  // Sends a sync and reads every queued statement's result; the last one's is returned (a COMMIT
  // that rolled back is an error), or the first error.
  Result<PgResult> Collect();
  // A COMMIT that answered ROLLBACK: the transaction had failed, nothing was stored.
  static bool CommitRolledBack(const pg_result* result);
  static const char* const kRunCommit;

  struct Pending {
    std::string what;      // for errors: "running emm_find_deployment"
    std::string prepares;  // the statement name a queued prepare is for, else ""
  };
  std::vector<Pending> pending_;
  bool pipeline_ = false;
  bool stuck_in_pipeline_ = false;

  pg_conn* conn_;
  std::unordered_set<std::string> prepared_;
  int prepares_ = 0;
  bool custom_plans_;
};

// Rolls back in its destructor unless Commit() succeeded: an early return leaves no open
// transaction behind.
class PgTransaction {
 public:
  static Result<PgTransaction> Begin(PgConnection& conn, std::string_view isolation = {});
  PgTransaction(PgTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  Status Commit();

 private:
  explicit PgTransaction(PgConnection& conn) : conn_(&conn) {}
  PgConnection* conn_;
};

// A connection's read snapshot for WithSnapshot (storage/read_snapshot.h): every query of a
// multi-query read sees the same commit, and writes are refused.
class PgSnapshot final : public SnapshotConnection {
 public:
  explicit PgSnapshot(PgConnection& conn) : conn_(conn) {}
  Status BeginSnapshot() override { return conn_.Begin("REPEATABLE READ, READ ONLY"); }
  Status EndSnapshot(bool read_ok) override { return read_ok ? conn_.Commit() : conn_.Rollback(); }

 private:
  PgConnection& conn_;
};

}  // namespace emm::storage::postgres
