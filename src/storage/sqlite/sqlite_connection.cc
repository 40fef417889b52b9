#include "storage/sqlite/sqlite_connection.h"

#include "storage/sqlite/dora_fact.h"
#include "storage/sqlite/sqlite_status.h"
#include "storage/sqlite/ticket_queries.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::Incident;
using domain::SeriesKey;
using domain::SeriesState;

using sqlite::BindOptTime;
using sqlite::BindRow;
using sqlite::BindText;
using sqlite::ColText;
using sqlite::DoraFactFunction;
using sqlite::FromSqlite;
using sqlite::ReadRow;
using sqlite::SqliteParams;
using sqlite::SqliteRow;
using sqlite::Use;

// The DORA group (migration 4) of the row being inserted: team ?3, project ?2, environment ?4.
constexpr const char* kGroupIdOf =
    "(SELECT id FROM dora_groups WHERE team_id = ?3 AND project_id = ?2 AND environment = ?4)";

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const SqliteOptions& o,
                                                                 bool may_checkpoint) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(o.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection(db));
  if (rc != SQLITE_OK) return FromSqlite(db, rc, "opening " + o.path);
  // Extended codes, so that FromSqlite can tell a duplicate key from other constraint failures.
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, o.busy_timeout_ms);
  rc = sqlite3_create_function_v2(db, "emm_dora_fact", 5,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                  &DoraFactFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(db, rc, "registering emm_dora_fact");
  EMM_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
  // Durability comes from SqliteEventStore::Sync(), off the writer's critical path.
  EMM_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = NORMAL"));
  // Reads map the file instead of copying pages through read(2) into a small page cache: range
  // queries over hundreds of thousands of rows (the DORA figures) touch many pages at random.
  EMM_RETURN_IF_ERROR(conn->Exec("PRAGMA mmap_size = 1073741824"));
  if (!may_checkpoint) {
    // A checkpoint here could overlap a commit of the writer that starts the log over: the
    // WAL-reset race of SQLite < 3.51.3 (docs/storage.md). Readers never commit, so they would
    // only checkpoint on close; that, too, is switched off.
    sqlite3_wal_autocheckpoint(db, 0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return FromSqlite(db_, rc, "executing SQL");
  return Status::Ok();
}

Result<sqlite3_stmt*> SqliteConnection::Prepare(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(db_, rc, "preparing SQL");
  stmts_.emplace(sql, stmt);
  return stmt;
}

Status SqliteConnection::Run(const std::string& sql, const sqlite::Bind& bind) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  Use use(*stmt);
  if (bind) bind(*stmt);
  int rc = sqlite3_step(*stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return FromSqlite(db_, rc, "writing");
  return Status::Ok();
}

Status SqliteConnection::Query(const std::string& sql, const sqlite::Bind& bind,
                               const sqlite::Row& row) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  Use use(*stmt);
  if (bind) bind(*stmt);
  for (;;) {
    int rc = sqlite3_step(*stmt);
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return FromSqlite(db_, rc, "reading");
    EMM_RETURN_IF_ERROR(row(*stmt));
  }
}

template <typename T>
Result<std::optional<T>> SqliteConnection::QueryOne(const std::string& sql, std::string_view id,
                                                    T (*read)(sqlite3_stmt*)) {
  std::optional<T> out;
  Status s = Query(
      sql, [&](sqlite3_stmt* st) { BindText(st, 1, id); },
      [&](sqlite3_stmt* st) {
        out = read(st);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Result<int64_t> SqliteConnection::Count(const std::string& sql, std::string_view arg) {
  int64_t n = 0;
  Status s = Query(
      sql, [&](sqlite3_stmt* st) { BindText(st, 1, arg); },
      [&](sqlite3_stmt* st) {
        n = sqlite3_column_int64(st, 0);
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return n;
}

Result<std::optional<Deployment>> SqliteConnection::FindDeployment(std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE id = ?1";
  return QueryOne<Deployment>(sql, id, &ReadRow<Deployment>);
}

Status SqliteConnection::InsertDeployment(const Deployment& d) {
  static const std::string sql =
      std::string("INSERT INTO deployments (") + kDeploymentColumns +
      ", group_id, dora_fact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, " +
      kGroupIdOf + ", emm_dora_fact(?5, ?6, ?12, ?13, ?10))";
  EMM_RETURN_IF_ERROR(AddGroup(d.team_id, d.project_id, d.environment));
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, d); });
}

Status SqliteConnection::UpdateDeployment(const Deployment& d) {
  // Only what a transition can change: fewer index entries to rewrite.
  static const std::string sql =
      "UPDATE deployments SET team_id = ?2, deployed_at = ?3, status = ?4, kind = ?5, "
      "commit_sha = ?6, failed = ?7, recovered_at = ?8, "
      "dora_fact = emm_dora_fact(first_commit_at, deploy_start_at, ?7, ?8, ?5) WHERE id = ?1";
  return Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, d.id);
    BindText(s, 2, d.team_id);
    BindOptTime(s, 3, d.deployed_at);
    BindText(s, 4, domain::DeploymentStatusName(d.status));
    BindText(s, 5, domain::DeploymentKindName(d.kind));
    BindText(s, 6, d.commit_sha);
    sqlite3_bind_int(s, 7, d.failed ? 1 : 0);
    BindOptTime(s, 8, d.recovered_at);
  });
}

Result<std::optional<Incident>> SqliteConnection::FindIncident(std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?1";
  return QueryOne<Incident>(sql, id, &ReadRow<Incident>);
}

Status SqliteConnection::InsertIncident(const Incident& i) {
  // deployment_deployed_at: the linked deployment's, for time to detect (migration 4).
  static const std::string sql =
      std::string("INSERT INTO incidents (") + kIncidentColumns +
      ", deployment_deployed_at, group_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "(SELECT deployed_at FROM deployments WHERE id = ?5), " +
      kGroupIdOf + ")";
  EMM_RETURN_IF_ERROR(AddGroup(i.team_id, i.project_id, i.environment));
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, i); });
}

Status SqliteConnection::UpdateIncident(const Incident& i) {
  static const std::string sql =
      "UPDATE incidents SET team_id = ?2, restored_at = ?3, finished_at = ?4 WHERE id = ?1";
  return Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, i.id);
    BindText(s, 2, i.team_id);
    BindOptTime(s, 3, i.restored_at);
    BindOptTime(s, 4, i.finished_at);
  });
}

Result<std::optional<domain::PullRequest>> SqliteConnection::FindPullRequest(std::string_view id) {
  static const std::string sql =
      std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests WHERE id = ?1";
  return QueryOne<domain::PullRequest>(sql, id, &ReadRow<domain::PullRequest>);
}

Status SqliteConnection::InsertPullRequest(const domain::PullRequest& pr) {
  static const std::string sql =
      std::string("INSERT INTO pull_requests (") + kPullRequestColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, pr); });
}

Status SqliteConnection::UpdatePullRequest(const domain::PullRequest& pr) {
  static const std::string sql =
      "UPDATE pull_requests SET closed_at = ?2, merged_at = ?3, first_review_at = ?4, "
      "first_approved_at = ?5, reviews = ?6, comments = ?7 WHERE id = ?1";
  return Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, pr.id);
    BindOptTime(s, 2, pr.closed_at);
    BindOptTime(s, 3, pr.merged_at);
    BindOptTime(s, 4, pr.first_review_at);
    BindOptTime(s, 5, pr.first_approved_at);
    sqlite3_bind_int64(s, 6, pr.reviews);
    sqlite3_bind_int64(s, 7, pr.comments);
  });
}

Status SqliteConnection::InsertPullRequestReview(const domain::PullRequestReview& r) {
  static const std::string sql =
      std::string("INSERT INTO pull_request_reviews (") + kReviewColumns +
      ", team_id, pull_request_opened_at) VALUES (?1, ?2, ?3, ?4, ?5, "
      "(SELECT team_id FROM pull_requests WHERE id = ?1), "
      "(SELECT opened_at FROM pull_requests WHERE id = ?1))";  // team health's (migration 9)
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, r); });
}

Status SqliteConnection::InsertDelivery(std::string_view source, std::string_view id, TimeMs at) {
  static const std::string sql =
      "INSERT INTO webhook_deliveries (source, id, received_at) VALUES (?1, ?2, ?3)";
  return Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, source);
    BindText(s, 2, id);
    sqlite3_bind_int64(s, 3, at);
  });
}

Result<std::optional<domain::Ticket>> SqliteConnection::FindTicket(std::string_view id) {
  return sqlite::FindTicket(*this, id);
}
Status SqliteConnection::PutTicket(const domain::Ticket& t) { return sqlite::PutTicket(*this, t); }
Status SqliteConnection::InsertTicketStatusChange(const domain::TicketStatusChange& c) {
  return sqlite::InsertTicketStatusChange(*this, c);
}
Status SqliteConnection::InsertTicketEstimationChange(const domain::TicketEstimationChange& c) {
  return sqlite::InsertTicketEstimationChange(*this, c);
}
Result<bool> SqliteConnection::HasChildTickets(std::string_view external_id) {
  return sqlite::HasChildTickets(*this, external_id);
}

Status SqliteConnection::PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                                            TimeMs at) {
  static const std::string sql =
      "INSERT INTO deployment_aliases (alias, deployment_id, at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (alias) DO UPDATE SET deployment_id = excluded.deployment_id, "
      "at = excluded.at WHERE excluded.at >= deployment_aliases.at";
  return Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, alias);
    BindText(s, 2, deployment_id);
    sqlite3_bind_int64(s, 3, at);
  });
}

Result<std::optional<std::string>> SqliteConnection::FindDeploymentByAlias(std::string_view alias) {
  static const std::string sql = "SELECT deployment_id FROM deployment_aliases WHERE alias = ?1";
  return QueryOne<std::string>(sql, alias, [](sqlite3_stmt* s) { return ColText(s, 0); });
}

Status SqliteConnection::ForEachDeploymentAlias(
    const std::function<Status(const domain::DeploymentAlias&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kAliasColumns + " FROM deployment_aliases";
  return Query(sql, nullptr,
               [&](sqlite3_stmt* s) { return fn(ReadRow<domain::DeploymentAlias>(s)); });
}

Status SqliteConnection::ForEachDelivery(const std::function<Status(const domain::Delivery&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries";
  return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadRow<domain::Delivery>(s)); });
}

Result<int64_t> SqliteConnection::CountIncidentsOfDeployment(std::string_view deployment_id) {
  return Count("SELECT count(*) FROM incidents WHERE deployment_id = ?1", deployment_id);
}

Result<int64_t> SqliteConnection::CountIncidentsOfProject(std::string_view project_id) {
  return Count("SELECT count(*) FROM incidents WHERE project_id = ?1", project_id);
}

Result<std::optional<SeriesState>> SqliteConnection::FindSeries(const SeriesKey& key) {
  if (auto known = series_.Known(key)) return *known;
  int64_t row_id = 0;
  auto found = ReadSeriesRow(key, &row_id);
  if (found.ok() && found->has_value()) series_.Loaded(key, **found, row_id);
  return found;
}

Status SqliteConnection::PutSeries(const SeriesState& st) {
  if (!series_.active()) return UpsertSeriesRow(st);
  series_.Put(st);
  return Status::Ok();
}

Status SqliteConnection::PutExportMark(const domain::ExportMark& m) {
  static const std::string sql = std::string("INSERT OR REPLACE INTO export_marks (") +
                                 kExportMarkColumns +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, m); });
}

Status SqliteConnection::ClearSeries() {
  if (!series_.active()) return Run("DELETE FROM metric_series", nullptr);
  series_.Clear();
  return Status::Ok();
}

Status SqliteConnection::BeginBatch() {
  series_.Begin();
  int64_t version = -1;
  EMM_RETURN_IF_ERROR(Query("PRAGMA data_version", nullptr, [&](sqlite3_stmt* st) {
    version = sqlite3_column_int64(st, 0);
    return Status::Ok();
  }));
  if (version != data_version_) series_.Drop();
  data_version_ = version;
  return Status::Ok();
}
Status SqliteConnection::FlushSeries() {
  if (series_.cleared()) EMM_RETURN_IF_ERROR(Run("DELETE FROM metric_series", nullptr));
  return series_.ForEachDirty([&](SeriesCache::Entry& c) {
    if (c.row_id != 0) return UpdateSeriesRow(c.row_id, c.state);
    EMM_RETURN_IF_ERROR(UpsertSeriesRow(c.state));
    c.row_id = sqlite3_last_insert_rowid(db_);
    return Status::Ok();
  });
}
void SqliteConnection::EndBatch(bool committed) { series_.EndBatch(committed); }

Status SqliteConnection::ForEachDeployment(const std::function<Status(const Deployment&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kDeploymentColumns + " FROM deployments ORDER BY created_at, id";
  return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadRow<Deployment>(s)); });
}

Status SqliteConnection::ForEachIncident(const std::function<Status(const Incident&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kIncidentColumns + " FROM incidents ORDER BY created_at, id";
  return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadRow<Incident>(s)); });
}

Status SqliteConnection::ForEachPullRequest(
    const std::function<Status(const domain::PullRequest&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests ORDER BY created_at, id";
  return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadRow<domain::PullRequest>(s)); });
}

Status SqliteConnection::ForEachTicket(const std::function<Status(const domain::Ticket&)>& fn) {
  return sqlite::ForEachTicket(*this, fn);
}
Status SqliteConnection::ForEachTicketStatusChange(
    const std::function<Status(const domain::TicketStatusChange&)>& fn) {
  return sqlite::ForEachTicketStatusChange(*this, std::nullopt, fn);
}
Status SqliteConnection::ForEachTicketEstimationChange(
    const std::function<Status(const domain::TicketEstimationChange&)>& fn) {
  return sqlite::ForEachTicketEstimationChange(*this, std::nullopt, fn);
}

Status SqliteConnection::ForEachPullRequestReview(
    const std::function<Status(const domain::PullRequestReview&)>& fn) {
  static const std::string sql =
      std::string("SELECT ") + kReviewColumns + " FROM pull_request_reviews ORDER BY rowid";
  return Query(sql, nullptr,
               [&](sqlite3_stmt* s) { return fn(ReadRow<domain::PullRequestReview>(s)); });
}

Result<std::optional<SeriesState>> SqliteConnection::ReadSeriesRow(const SeriesKey& key,
                                                                   int64_t* row_id) {
  static const std::string sql = std::string("SELECT ") + kSeriesColumns +
                                 ", id FROM metric_series WHERE metric = ?1 AND "
                                 "project_id = ?2 AND team_id = ?3 AND environment = ?4 AND "
                                 "ticket_type = ?5";
  std::optional<SeriesState> out;
  Status s = Query(
      sql, [&](sqlite3_stmt* st) { BindRow(st, key); },
      [&](sqlite3_stmt* st) {
        SqliteRow row(st);
        out = ReadColumns<SeriesState>(row);
        *row_id = row.Int();
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Status SqliteConnection::UpdateSeriesRow(int64_t row_id, const SeriesState& st) {
  static const std::string sql =
      "UPDATE metric_series SET start_ms = ?1, updated_ms = ?2, count = ?3, sum = ?4, "
      "min = ?5, max = ?6, buckets = ?7 WHERE id = ?8";
  return Run(sql, [&](sqlite3_stmt* s) {
    SqliteParams p(s);
    BindSeriesValues(p, st);
    p.Add(row_id);
  });
}

Status SqliteConnection::UpsertSeriesRow(const SeriesState& st) {
  static const std::string sql =
      std::string("INSERT INTO metric_series (") + kSeriesColumns +
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
      "ON CONFLICT (metric, project_id, team_id, environment, ticket_type) DO UPDATE SET "
      "kind = excluded.kind, start_ms = excluded.start_ms, updated_ms = excluded.updated_ms, "
      "count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, "
      "buckets = excluded.buckets";
  return Run(sql, [&](sqlite3_stmt* s) { BindRow(s, st); });
}

Status SqliteConnection::AddGroup(const std::string& team, const std::string& project,
                                  const std::string& env) {
  std::string key = team + '\0' + project + '\0' + env;
  if (known_groups_.count(key)) return Status::Ok();
  static const std::string sql =
      "INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment) VALUES (?1, ?2, ?3)";
  EMM_RETURN_IF_ERROR(Run(sql, [&](sqlite3_stmt* s) {
    BindText(s, 1, team);
    BindText(s, 2, project);
    BindText(s, 3, env);
  }));
  if (known_groups_.size() < 100000) known_groups_.insert(std::move(key));
  return Status::Ok();
}

}  // namespace emm::storage
