#include "storage/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "storage/postgres/pg_status.h"

namespace emm::storage::postgres {
namespace {

// Without a bound, a connect to an address that drops packets waits for the kernel (minutes); a
// connect_timeout in the URL overrides this.
constexpr const char* kDefaultConnectTimeoutSeconds = "5";

template <typename T>
std::string Format(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

// --- PgParams ---

PgParams& PgParams::Add(int64_t v) {
  values_.emplace_back(Format(v));
  return *this;
}

PgParams& PgParams::Add(double v) {
  // Shortest round-trip form; PostgreSQL reads it back to the same double (extra_float_digits).
  values_.emplace_back(Format(v));
  return *this;
}

PgParams& PgParams::Add(std::string_view v) {
  if (v.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(std::string(v));
  return *this;
}

PgParams& PgParams::AddTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) {
    if (v.find('\0') != std::string::npos) has_nul_ = true;
    if (out.size() > 1) out += ',';
    out += '"';  // quoted: an element may hold commas, braces, spaces or the word NULL
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  values_.emplace_back(out + "}");
  return *this;
}

Status PgParams::CheckStorable() const {
  if (!has_nul_) return Status::Ok();
  return Status::InvalidArgument(
      "", "a text value holds a NUL character, which PostgreSQL cannot store or match");
}

PgParams& PgParams::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// --- PgResult ---

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() { PQclear(result_); }
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }
int PgResult::columns() const { return PQnfields(result_); }

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_);
  int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

bool PgResult::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string_view PgResult::Text(int row, int col) const {
  return std::string_view(PQgetvalue(result_, row, col),
                          static_cast<size_t>(PQgetlength(result_, row, col)));
}

std::optional<std::string> PgResult::OptionalText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return std::string(Text(row, col));
}

std::string PgResult::ColumnName(int col) const {
  const char* name = PQfname(result_, col);
  return name ? name : "column " + std::to_string(col);
}

Result<int64_t> PgResult::Int64(int row, int col) const {
  if (IsNull(row, col)) return Status::Internal(ColumnName(col) + " is NULL, not an integer");
  std::string_view t = Text(row, col);
  int64_t v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) {
    return Status::Internal(ColumnName(col) + " is not a 64-bit integer: " + std::string(t));
  }
  return v;
}

Result<std::optional<int64_t>> PgResult::OptionalInt64(int row, int col) const {
  if (IsNull(row, col)) return std::optional<int64_t>();
  auto v = Int64(row, col);
  if (!v.ok()) return v.status();
  return std::optional<int64_t>(*v);
}

Result<double> PgResult::Double(int row, int col) const {
  if (IsNull(row, col)) return Status::Internal(ColumnName(col) + " is NULL, not a number");
  std::string_view t = Text(row, col);
  // PostgreSQL's spellings of the values from_chars does not take.
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  double v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) {
    return Status::Internal(ColumnName(col) + " is not a number: " + std::string(t));
  }
  return v;
}

// --- PgConnection ---

Result<std::unique_ptr<PgConnection>> PgConnection::Open(std::string_view url,
                                                         std::string_view field) {
  std::string u(url);
  if (!u.starts_with("postgres://") && !u.starts_with("postgresql://")) {
    return Status::InvalidArgument(std::string(field),
                                   "must be a postgres:// or postgresql:// URL");
  }
  // libpq's own parser names what is wrong (an unknown parameter, a bad port, a bad escape).
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(u.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error ? error : "not a valid URL";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Status::InvalidArgument(std::string(field), "not a valid PostgreSQL URL: " + why);
  }
  // libpq checks sslmode only when connecting, as a connection failure; it is a setting's mistake.
  std::string bad_sslmode;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "sslmode") != 0 || o->val == nullptr) continue;
    std::string_view mode = o->val;
    if (mode != "disable" && mode != "allow" && mode != "prefer" && mode != "require" &&
        mode != "verify-ca" && mode != "verify-full") {
      bad_sslmode = std::string(mode);
    }
  }
  PQconninfoFree(parsed);
  if (!bad_sslmode.empty()) {
    return Status::InvalidArgument(std::string(field),
                                   "sslmode \"" + bad_sslmode +
                                       "\" is not one of disable, allow, "
                                       "prefer, require, verify-ca, verify-full");
  }
  // Keywords before "dbname" are defaults: the URL (expanded in its place) overrides them.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {kDefaultConnectTimeoutSeconds, u.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    Status s = FromPqConnect(conn, "connecting to PostgreSQL");
    PQfinish(conn);
    return s;
  }
  // NOTICEs ("table does not exist, skipping") are not errors; libpq would print them on stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  // JIT compiles each run of a costly statement again (prepared ones too): 40-65 ms added to a
  // DORA range read of 100 ms, for expressions it speeds up by less. Best effort: a server
  // without the setting (before 11) or a proxy that drops it only loses the saving. A SET, not
  // the startup "options", which PgBouncer refuses by default.
  PQclear(PQexec(conn, "SET jit = off"));
  // A prepared statement is planned for its parameters five times; from the sixth run on
  // PostgreSQL may keep one generic plan, costed without the values. For the range reads that
  // plan is wrong: a team's year read its restored and detected incidents in 6-10 ms instead of
  // 0.3-0.5 ms from the sixth request on, taking the read from 15 to 28 ms
  // (docs/performance.md). The reads vary too much in what a range selects for any one plan, and
  // planning costs them little; the write batch asks for the default back (custom_plans()).
  PGresult* plans = PQexec(conn, "SET plan_cache_mode = force_custom_plan");
  const bool custom_plans = plans && PQresultStatus(plans) == PGRES_COMMAND_OK;
  PQclear(plans);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, custom_plans));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<PgResult> PgConnection::Check(pg_result* result, std::string_view what) {
  ExecStatusType st = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return PgResult(result);
  Status s = FromPq(conn_, result, what);
  PQclear(result);
  return s;
}

Status PgConnection::Exec(std::string_view sql) {
  return Check(PQexec(conn_, std::string(sql).c_str()), "running SQL").status();
}

Result<PgResult> PgConnection::Run(const std::string& name, std::string_view sql,
                                   const PgParams& params) {
  EMM_RETURN_IF_ERROR(params.CheckStorable());
  if (pipeline_) {
    EMM_RETURN_IF_ERROR(SendPrepared(name, sql, params));
    return Collect();
  }
  if (!prepared_.contains(name)) {
    // Parameter types left to the server: it infers them from the statement.
    EMM_RETURN_IF_ERROR(
        Check(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), params.size(), nullptr),
              "preparing " + name)
            .status());
    prepared_.insert(name);
    ++prepares_;
  }
  std::vector<const char*> values = params.Pointers();
  return Check(PQexecPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr,
                              /*resultFormat=text*/ 0),
               "running " + name);
}

Status PgConnection::EnterPipeline() {
  if (PQenterPipelineMode(conn_) != 1) return FromPq(conn_, nullptr, "entering pipeline mode");
  pipeline_ = true;
  return Status::Ok();
}

Status PgConnection::ExitPipeline() {
  Status s = Sync();
  pipeline_ = false;
  // Refused only while results are unread, which Sync() has just read (or a broken connection):
  // a connection left in pipeline mode could run nothing else, so it is reported Broken().
  if (PQexitPipelineMode(conn_) != 1) {
    stuck_in_pipeline_ = true;
    if (s.ok()) s = FromPq(conn_, nullptr, "leaving pipeline mode");
  }
  return s;
}

Status PgConnection::SendPrepared(const std::string& name, std::string_view sql,
                                  const PgParams& params) {
  EMM_RETURN_IF_ERROR(params.CheckStorable());
  if (!prepared_.contains(name)) {
    if (PQsendPrepare(conn_, name.c_str(), std::string(sql).c_str(), params.size(), nullptr) != 1) {
      return FromPq(conn_, nullptr, "preparing " + name);
    }
    pending_.push_back({"preparing " + name, name});
    // Taken back by Collect() if the prepare fails or is skipped after an earlier error.
    prepared_.insert(name);
    ++prepares_;
  }
  std::vector<const char*> values = params.Pointers();
  // libpq copies the values into its output buffer: `params` need not outlive the call.
  if (PQsendQueryPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr,
                          /*resultFormat=text*/ 0) != 1) {
    return FromPq(conn_, nullptr, "running " + name);
  }
  pending_.push_back({"running " + name, ""});
  return Status::Ok();
}

Result<PgResult> PgConnection::Collect() {
  std::vector<Pending> pending = std::exchange(pending_, {});
  auto unprepare = [&](size_t from) {  // prepares not run: their names are free again
    for (size_t i = from; i < pending.size(); ++i) {
      if (!pending[i].prepares.empty()) prepared_.erase(pending[i].prepares);
    }
  };
  if (PQpipelineSync(conn_) != 1) {
    unprepare(0);
    return FromPq(conn_, nullptr, "sending a pipeline sync");
  }
  std::optional<Status> error;
  std::optional<PgResult> last;
  for (size_t i = 0; i < pending.size(); ++i) {
    const std::string& what = pending[i].what;
    pg_result* r = PQgetResult(conn_);
    if (r == nullptr) {  // the connection broke
      unprepare(i);
      return FromPq(conn_, nullptr, what);
    }
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && !pending[i].prepares.empty()) {
      prepared_.erase(pending[i].prepares);
    }
    if (st == PGRES_PIPELINE_ABORTED) {
      PQclear(r);  // skipped after an earlier error, which is the answer
    } else if (!error && pending[i].what == kRunCommit && CommitRolledBack(r)) {
      PQclear(r);
      error =
          Status::Internal("COMMIT of a failed transaction: it was rolled back, nothing stored");
    } else {
      Result<PgResult> checked = Check(r, what);
      if (!checked.ok()) {
        if (!error) error = checked.status();
      } else {
        last = std::move(checked).value();
      }
    }
    // Each statement's results end with a null.
    while ((r = PQgetResult(conn_)) != nullptr) PQclear(r);
  }
  pg_result* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (error) return *error;
  if (!synced) return FromPq(conn_, nullptr, "reading a pipeline sync");
  if (!last) return Status::Internal("a pipeline round trip with no statement");
  return std::move(*last);
}

Status PgConnection::Send(const std::string& name, std::string_view sql, const PgParams& params) {
  if (!pipeline_) return Run(name, sql, params).status();
  return SendPrepared(name, sql, params);
}

Status PgConnection::Sync() {
  if (!pipeline_ || pending_.empty()) return Status::Ok();
  return Collect().status();
}

// ROLLBACK TO SAVEPOINT answers "ROLLBACK" too: only COMMIT's answer is looked at.
const char* const PgConnection::kRunCommit = "running emm_commit";

Status PgConnection::PipelinedCommit() {
  EMM_RETURN_IF_ERROR(SendPrepared("emm_commit", "COMMIT", PgParams()));
  return Collect().status();
}

bool PgConnection::CommitRolledBack(const pg_result* result) {
  return result && PQresultStatus(result) == PGRES_COMMAND_OK &&
         std::strcmp(PQcmdStatus(const_cast<pg_result*>(result)), "ROLLBACK") == 0;
}

Status PgConnection::Begin(std::string_view isolation) {
  std::string sql = "BEGIN";
  if (!isolation.empty()) sql += " ISOLATION LEVEL " + std::string(isolation);
  return Exec(sql);
}

Status PgConnection::Commit() {
  PGresult* result = PQexec(conn_, "COMMIT");
  // COMMIT of a transaction an earlier statement failed "succeeds" as a ROLLBACK: nothing was
  // stored, and the caller must not take it for a commit.
  if (CommitRolledBack(result)) {
    PQclear(result);
    return Status::Internal("COMMIT of a failed transaction: it was rolled back, nothing stored");
  }
  return Check(result, "committing").status();
}
Status PgConnection::Rollback() { return Exec("ROLLBACK"); }

bool PgConnection::Broken() {
  if (stuck_in_pipeline_ || PQstatus(conn_) != CONNECTION_OK) return true;
  // Idle, nothing is expected from the server: anything readable is a termination notice or
  // the end of the stream. PQconsumeInput reads it and marks the connection bad.
  // One read may take the server's FATAL message and leave the end of the stream for the next:
  // read while there is something, a few times at most (a NOTICE alone ends the loop).
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) return true;
  for (int reads = 0; reads < 4 && poll(&p, 1, 0) > 0; ++reads) {
    if (PQconsumeInput(conn_) == 0) return true;
  }
  return PQstatus(conn_) != CONNECTION_OK;
}

bool PgConnection::InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

// --- PgTransaction ---

Result<PgTransaction> PgTransaction::Begin(PgConnection& conn, std::string_view isolation) {
  EMM_RETURN_IF_ERROR(conn.Begin(isolation));
  return PgTransaction(conn);
}

PgTransaction::~PgTransaction() {
  if (conn_ != nullptr) (void)conn_->Rollback();
}

Status PgTransaction::Commit() {
  PgConnection* conn = std::exchange(conn_, nullptr);
  if (conn == nullptr) return Status::FailedPrecondition("the transaction has ended");
  return conn->Commit();
}

}  // namespace emm::storage::postgres
