#include "storage/sqlite/sqlite_event_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "common/log.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_status.h"
#include "storage/sqlite/statements.h"
#include "storage/sqlite/ticket_queries.h"
#include "storage/sqlite/team_health_queries.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::DeploymentStatus;
using domain::Incident;
using domain::MetricKind;
using domain::SeriesKey;
using domain::SeriesState;

using sqlite::BindOptInt;
using sqlite::BindOptTime;
using sqlite::BindText;
using sqlite::ColOptInt;
using sqlite::ColOptTime;
using sqlite::ColText;
using sqlite::FromSqlite;
using sqlite::Use;

std::string EncodeBuckets(const std::vector<uint64_t>& b) {
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(b[i]);
  }
  return out;
}

std::vector<uint64_t> DecodeBuckets(std::string_view s) {
  std::vector<uint64_t> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    uint64_t v = 0;
    std::from_chars(part.data(), part.data() + part.size(), v);
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// A series key at ?1 .. ?4 (metric, project_id, team_id, environment) and its ticket_type at
// ?`ticket_type_at` (migration 8 added it after the statements' other parameters).
void BindSeriesKey(sqlite3_stmt* s, const SeriesKey& k, int ticket_type_at) {
  BindText(s, 1, k.metric);
  BindText(s, 2, k.project_id);
  BindText(s, 3, k.team_id);
  BindText(s, 4, k.environment);
  BindText(s, ticket_type_at, k.ticket_type);
}
// first_commit_at is NOT NULL since migration 1 (lifting that means rebuilding the table): a
// deployment whose sender cannot know it (a webhook) keeps this value there instead.
constexpr int64_t kNoFirstCommit = INT64_MIN;
std::optional<TimeMs> FirstCommitOf(int64_t stored) {
  return stored == kNoFirstCommit ? std::nullopt : std::optional<TimeMs>(stored);
}

constexpr const char* kDeploymentColumns =
    "id, project_id, team_id, environment, first_commit_at, deploy_start_at, deployed_at, status, "
    "created_at, kind, commit_sha, failed, recovered_at";
constexpr const char* kSeriesColumns =
    "metric, project_id, team_id, environment, kind, start_ms, updated_ms, count, sum, min, max, "
    "buckets, ticket_type";
constexpr const char* kIncidentColumns =
    "id, project_id, team_id, environment, deployment_id, started_at, restored_at, finished_at, "
    "created_at";

constexpr const char* kPullRequestColumns =
    "id, team_id, opened_at, closed_at, merged_at, first_review_at, first_approved_at, reviews, "
    "comments, additions, deletions, created_at, author";

domain::PullRequest ReadPullRequest(sqlite3_stmt* s) {
  domain::PullRequest pr;
  pr.id = ColText(s, 0);
  pr.team_id = ColText(s, 1);
  pr.opened_at = sqlite3_column_int64(s, 2);
  pr.closed_at = ColOptTime(s, 3);
  pr.merged_at = ColOptTime(s, 4);
  pr.first_review_at = ColOptTime(s, 5);
  pr.first_approved_at = ColOptTime(s, 6);
  pr.reviews = sqlite3_column_int64(s, 7);
  pr.comments = sqlite3_column_int64(s, 8);
  pr.additions = ColOptInt(s, 9);
  pr.deletions = ColOptInt(s, 10);
  pr.created_at = sqlite3_column_int64(s, 11);
  pr.author = ColText(s, 12);
  return pr;
}

Deployment ReadDeployment(sqlite3_stmt* s) {
  Deployment d;
  d.id = ColText(s, 0);
  d.project_id = ColText(s, 1);
  d.team_id = ColText(s, 2);
  d.environment = ColText(s, 3);
  d.first_commit_at = FirstCommitOf(sqlite3_column_int64(s, 4));
  d.deploy_start_at = sqlite3_column_int64(s, 5);
  d.deployed_at = ColOptTime(s, 6);
  d.status = ColText(s, 7) == "deployed" ? DeploymentStatus::kDeployed : DeploymentStatus::kStarted;
  d.created_at = sqlite3_column_int64(s, 8);
  d.kind = domain::ParseDeploymentKind(ColText(s, 9)).value_or(domain::DeploymentKind::kPlanned);
  d.commit_sha = ColText(s, 10);
  d.failed = sqlite3_column_int(s, 11) != 0;
  d.recovered_at = ColOptTime(s, 12);
  return d;
}

Incident ReadIncident(sqlite3_stmt* s) {
  Incident i;
  i.id = ColText(s, 0);
  i.project_id = ColText(s, 1);
  i.team_id = ColText(s, 2);
  i.environment = ColText(s, 3);
  if (sqlite3_column_type(s, 4) != SQLITE_NULL) i.deployment_id = ColText(s, 4);
  i.started_at = sqlite3_column_int64(s, 5);
  i.restored_at = ColOptTime(s, 6);
  i.finished_at = ColOptTime(s, 7);
  i.created_at = sqlite3_column_int64(s, 8);
  return i;
}

SeriesState ReadSeries(sqlite3_stmt* s) {
  SeriesState st;
  st.key = SeriesKey{ColText(s, 0), ColText(s, 1), ColText(s, 2), ColText(s, 3), ColText(s, 12)};
  st.kind = ColText(s, 4) == "histogram" ? MetricKind::kHistogram : MetricKind::kCounter;
  st.start_ms = sqlite3_column_int64(s, 5);
  st.updated_ms = sqlite3_column_int64(s, 6);
  st.count = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
  st.sum = sqlite3_column_double(s, 8);
  st.min = sqlite3_column_double(s, 9);
  st.max = sqlite3_column_double(s, 10);
  st.buckets = DecodeBuckets(ColText(s, 11));
  return st;
}

// emm_dora_fact(first_commit_at, deploy_start_at, failed, recovered_at, kind): what a DORA range
// needs of a deployment besides its group and deployed_at, packed in one value (migration 4), so
// reading a range fetches one column per row instead of five (bench/dora_query.sh: the five
// fetches were 40% of a 90-day read). Layout (little-endian): first_commit_at i64,
// deploy_start_at i64, recovered_at i64 (0 when none), flags u8 (1 failed, 2 rework,
// 4 recovered).
constexpr int kDoraFactSize = 25;

void DoraFactFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  unsigned char out[kDoraFactSize] = {};
  auto put = [&](int at, int64_t v) {
    for (int k = 0; k < 8; ++k) out[at + k] = static_cast<unsigned char>(static_cast<uint64_t>(v) >> (8 * k));
  };
  put(0, sqlite3_value_int64(argv[0]));
  put(8, sqlite3_value_int64(argv[1]));
  unsigned char flags = sqlite3_value_int(argv[2]) != 0 ? 1 : 0;
  if (sqlite3_value_type(argv[3]) != SQLITE_NULL) {
    put(16, sqlite3_value_int64(argv[3]));
    flags |= 4;
  }
  const unsigned char* kind = sqlite3_value_text(argv[4]);
  if (kind && kind[0] != 'p') flags |= 2;  // hotfix or rollback, not planned
  out[24] = flags;
  sqlite3_result_blob(ctx, out, kDoraFactSize, SQLITE_TRANSIENT);
}

// Fills `d` from an emm_dora_fact value; false when the value is not one.
bool DecodeDoraFact(const void* blob, int size, domain::DeployedFact* d) {
  if (size != kDoraFactSize || blob == nullptr) return false;
  const auto* p = static_cast<const unsigned char*>(blob);
  auto get = [&](int at) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | p[at + k];
    return static_cast<int64_t>(v);
  };
  d->first_commit_at = FirstCommitOf(get(0));
  d->deploy_start_at = get(8);
  const unsigned char flags = p[24];
  d->failed = flags & 1;
  d->rework = flags & 2;
  if (flags & 4) d->recovered_at = get(16);
  return true;
}

}  // namespace

// One SQLite connection with its cached prepared statements. Used by one thread at a time.
class SqliteConnection final : public domain::Transaction, public sqlite::Statements {
 public:
  // The store's writer is the only connection that ever checkpoints (see CheckpointIfDue);
  // every other one is opened with `may_checkpoint` false.
  static Result<std::unique_ptr<SqliteConnection>> Open(const SqliteOptions& o,
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
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                    nullptr, &DoraFactFunction, nullptr, nullptr, nullptr);
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

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  sqlite3* db() const { return db_; }

  Status Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return FromSqlite(db_, rc, "executing SQL");
    return Status::Ok();
  }

  // A cached prepared statement for this SQL text.
  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return FromSqlite(db_, rc, "preparing SQL");
    stmts_.emplace(sql, stmt);
    return stmt;
  }

  // Steps a statement that returns no rows.
  Status Run(const std::string& sql, const sqlite::Bind& bind) override {
    auto stmt = Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    Use use(*stmt);
    if (bind) bind(*stmt);
    int rc = sqlite3_step(*stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return FromSqlite(db_, rc, "writing");
    return Status::Ok();
  }

  // Steps a query, calling `row` for each row.
  Status Query(const std::string& sql, const sqlite::Bind& bind,
               const sqlite::Row& row) override {
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
  Result<std::optional<T>> QueryOne(const std::string& sql, std::string_view id,
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

  Result<int64_t> Count(const std::string& sql, std::string_view arg) {
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

  // --- domain::Transaction ---

  Result<std::optional<Deployment>> FindDeployment(std::string_view id) override {
    static const std::string sql =
        std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE id = ?1";
    return QueryOne<Deployment>(sql, id, &ReadDeployment);
  }

  Status InsertDeployment(const Deployment& d) override {
    static const std::string sql =
        std::string("INSERT INTO deployments (") + kDeploymentColumns +
        ", group_id, dora_fact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, " +
        kGroupIdOf + ", emm_dora_fact(?5, ?6, ?12, ?13, ?10))";
    EMM_RETURN_IF_ERROR(AddGroup(d.team_id, d.project_id, d.environment));
    return Run(sql, [&](sqlite3_stmt* s) { BindDeployment(s, d); });
  }

  Status UpdateDeployment(const Deployment& d) override {
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

  Result<std::optional<Incident>> FindIncident(std::string_view id) override {
    static const std::string sql =
        std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?1";
    return QueryOne<Incident>(sql, id, &ReadIncident);
  }

  Status InsertIncident(const Incident& i) override {
    // deployment_deployed_at: the linked deployment's, for time to detect (migration 4).
    static const std::string sql =
        std::string("INSERT INTO incidents (") + kIncidentColumns +
        ", deployment_deployed_at, group_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "(SELECT deployed_at FROM deployments WHERE id = ?5), " +
        kGroupIdOf + ")";
    EMM_RETURN_IF_ERROR(AddGroup(i.team_id, i.project_id, i.environment));
    return Run(sql, [&](sqlite3_stmt* s) { BindIncident(s, i); });
  }

  Status UpdateIncident(const Incident& i) override {
    static const std::string sql =
        "UPDATE incidents SET team_id = ?2, restored_at = ?3, finished_at = ?4 WHERE id = ?1";
    return Run(sql, [&](sqlite3_stmt* s) {
      BindText(s, 1, i.id);
      BindText(s, 2, i.team_id);
      BindOptTime(s, 3, i.restored_at);
      BindOptTime(s, 4, i.finished_at);
    });
  }

  Result<std::optional<domain::PullRequest>> FindPullRequest(std::string_view id) override {
    static const std::string sql =
        std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests WHERE id = ?1";
    return QueryOne<domain::PullRequest>(sql, id, &ReadPullRequest);
  }

  Status InsertPullRequest(const domain::PullRequest& pr) override {
    static const std::string sql = std::string("INSERT INTO pull_requests (") +
                                   kPullRequestColumns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    return Run(sql, [&](sqlite3_stmt* s) {
      BindText(s, 1, pr.id);
      BindText(s, 2, pr.team_id);
      sqlite3_bind_int64(s, 3, pr.opened_at);
      BindOptTime(s, 4, pr.closed_at);
      BindOptTime(s, 5, pr.merged_at);
      BindOptTime(s, 6, pr.first_review_at);
      BindOptTime(s, 7, pr.first_approved_at);
      sqlite3_bind_int64(s, 8, pr.reviews);
      sqlite3_bind_int64(s, 9, pr.comments);
      BindOptInt(s, 10, pr.additions);
      BindOptInt(s, 11, pr.deletions);
      sqlite3_bind_int64(s, 12, pr.created_at);
      BindText(s, 13, pr.author);
    });
  }

  Status UpdatePullRequest(const domain::PullRequest& pr) override {
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

  Status InsertPullRequestReview(const domain::PullRequestReview& r) override {
    static const std::string sql =
        "INSERT INTO pull_request_reviews (pull_request_id, reviewed_at, approved, comments, "
        "reviewer, team_id, pull_request_opened_at) VALUES (?1, ?2, ?3, ?4, ?5, "
        "(SELECT team_id FROM pull_requests WHERE id = ?1), "
        "(SELECT opened_at FROM pull_requests WHERE id = ?1))";  // team health's (migration 9)
    return Run(sql, [&](sqlite3_stmt* s) {
      BindText(s, 1, r.pull_request_id);
      sqlite3_bind_int64(s, 2, r.reviewed_at);
      sqlite3_bind_int(s, 3, r.approved ? 1 : 0);
      sqlite3_bind_int64(s, 4, r.comments);
      BindText(s, 5, r.reviewer);
    });
  }

  Status InsertDelivery(std::string_view source, std::string_view id, TimeMs at) override {
    static const std::string sql =
        "INSERT INTO webhook_deliveries (source, id, received_at) VALUES (?1, ?2, ?3)";
    return Run(sql, [&](sqlite3_stmt* s) {
      BindText(s, 1, source);
      BindText(s, 2, id);
      sqlite3_bind_int64(s, 3, at);
    });
  }

  // Tickets: the SQL is in ticket_queries.cc.
  Result<std::optional<domain::Ticket>> FindTicket(std::string_view id) override {
    return sqlite::FindTicket(*this, id);
  }
  Status PutTicket(const domain::Ticket& t) override { return sqlite::PutTicket(*this, t); }
  Status InsertTicketStatusChange(const domain::TicketStatusChange& c) override {
    return sqlite::InsertTicketStatusChange(*this, c);
  }
  Status InsertTicketEstimationChange(const domain::TicketEstimationChange& c) override {
    return sqlite::InsertTicketEstimationChange(*this, c);
  }
  Result<bool> HasChildTickets(std::string_view external_id) override {
    return sqlite::HasChildTickets(*this, external_id);
  }

  Status PutDeploymentAlias(std::string_view alias, std::string_view deployment_id,
                            TimeMs at) override {
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

  Result<std::optional<std::string>> FindDeploymentByAlias(std::string_view alias) override {
    static const std::string sql =
        "SELECT deployment_id FROM deployment_aliases WHERE alias = ?1";
    return QueryOne<std::string>(sql, alias, [](sqlite3_stmt* s) { return ColText(s, 0); });
  }

  Result<int64_t> CountIncidentsOfDeployment(std::string_view deployment_id) override {
    return Count("SELECT count(*) FROM incidents WHERE deployment_id = ?1", deployment_id);
  }

  Result<int64_t> CountIncidentsOfProject(std::string_view project_id) override {
    return Count("SELECT count(*) FROM incidents WHERE project_id = ?1", project_id);
  }

  Result<std::optional<SeriesState>> FindSeries(const SeriesKey& key) override {
    if (caching_) {
      if (auto it = cache_.find(key); it != cache_.end()) return std::optional(it->second.state);
      if (cleared_) return std::optional<SeriesState>();
    }
    int64_t row_id = 0;
    auto found = ReadSeriesRow(key, &row_id);
    if (found.ok() && caching_ && found->has_value()) cache_.emplace(key, Cached{**found, row_id});
    return found;
  }

  Status PutSeries(const SeriesState& st) override {
    if (!caching_) return UpsertSeriesRow(st);
    auto it = cache_.find(st.key);
    const bool was_dirty = dirty_.count(st.key) > 0;
    if (it == cache_.end()) {
      undo_.push_back(Undo{st.key, std::nullopt, was_dirty});
      cache_.emplace(st.key, Cached{st, 0});
    } else {
      undo_.push_back(Undo{st.key, it->second, was_dirty});
      it->second.state = st;
    }
    dirty_.insert(st.key);
    return Status::Ok();
  }

  Status PutExportMark(const domain::ExportMark& m) override {
    static const std::string sql =
        "INSERT OR REPLACE INTO export_marks (metric, project_id, team_id, environment, "
        "series_start_ms, acked_ms, count, sum, buckets, ticket_type) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    return Run(sql, [&](sqlite3_stmt* s) {
      BindSeriesKey(s, m.key, 10);
      sqlite3_bind_int64(s, 5, m.series_start_ms);
      sqlite3_bind_int64(s, 6, m.acked_ms);
      sqlite3_bind_int64(s, 7, static_cast<int64_t>(m.count));
      sqlite3_bind_double(s, 8, m.sum);
      std::string buckets = EncodeBuckets(m.buckets);
      sqlite3_bind_text(s, 9, buckets.data(), static_cast<int>(buckets.size()), SQLITE_TRANSIENT);
    });
  }

  Status ClearSeries() override {
    if (!caching_) return Run("DELETE FROM metric_series", nullptr);
    // Rare (rebuild-metrics): remember the whole cache so a rollback can restore it.
    clear_undo_.push_back({cache_, dirty_, cleared_, undo_.size()});
    cache_.clear();
    dirty_.clear();
    cleared_ = true;
    return Status::Ok();
  }

  // --- the writer's series cache: see RunBatch ---

  // Repeated samples of one series within a batch cost one row write at commit instead of a read
  // and a write each. The cache holds the state as of the open transaction, and each series' row
  // id so that the flush updates rows by id.
  // Call inside the batch's transaction. Another process (rebuild-metrics, a second server on
  // the same file, the sqlite3 shell) may have committed since the last batch: then the cache is
  // stale and is dropped. PRAGMA data_version changes exactly on other connections' commits.
  Status BeginBatch() {
    caching_ = true;
    int64_t version = -1;
    EMM_RETURN_IF_ERROR(Query("PRAGMA data_version", nullptr, [&](sqlite3_stmt* st) {
      version = sqlite3_column_int64(st, 0);
      return Status::Ok();
    }));
    if (version != data_version_) cache_.clear();
    data_version_ = version;
    return Status::Ok();
  }
  void BeginItem() {
    undo_.clear();
    clear_undo_.clear();
  }
  void RollbackItem() {
    for (size_t i = undo_.size(); i-- > 0;) {
      // Replay clears in reverse order with the puts that came after them.
      while (!clear_undo_.empty() && clear_undo_.back().undo_mark > i) RestoreClear();
      Undo& u = undo_[i];
      if (u.previous) {
        cache_.insert_or_assign(u.key, std::move(*u.previous));
      } else {
        cache_.erase(u.key);
      }
      if (!u.was_dirty) dirty_.erase(u.key);
    }
    while (!clear_undo_.empty()) RestoreClear();
    undo_.clear();
  }
  // Writes the batch's changed series; call before COMMIT.
  Status FlushSeries() {
    if (cleared_) EMM_RETURN_IF_ERROR(Run("DELETE FROM metric_series", nullptr));
    for (const SeriesKey& key : dirty_) {
      Cached& c = cache_.at(key);
      if (c.row_id != 0) {
        EMM_RETURN_IF_ERROR(UpdateSeriesRow(c.row_id, c.state));
      } else {
        EMM_RETURN_IF_ERROR(UpsertSeriesRow(c.state));
        c.row_id = sqlite3_last_insert_rowid(db_);
      }
    }
    return Status::Ok();
  }
  // After COMMIT (committed = true) or ROLLBACK of the whole batch.
  void EndBatch(bool committed) {
    if (!committed) cache_.clear();  // the database no longer matches: reload on demand
    dirty_.clear();
    cleared_ = false;
    undo_.clear();
    clear_undo_.clear();
    // Bound memory: the cache is a convenience, the database is the truth.
    if (cache_.size() > kMaxCachedSeries) cache_.clear();
  }

  Status ForEachDeployment(const std::function<Status(const Deployment&)>& fn) override {
    static const std::string sql =
        std::string("SELECT ") + kDeploymentColumns + " FROM deployments ORDER BY created_at, id";
    return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadDeployment(s)); });
  }

  Status ForEachIncident(const std::function<Status(const Incident&)>& fn) override {
    static const std::string sql =
        std::string("SELECT ") + kIncidentColumns + " FROM incidents ORDER BY created_at, id";
    return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadIncident(s)); });
  }

  Status ForEachPullRequest(
      const std::function<Status(const domain::PullRequest&)>& fn) override {
    static const std::string sql = std::string("SELECT ") + kPullRequestColumns +
                                   " FROM pull_requests ORDER BY created_at, id";
    return Query(sql, nullptr, [&](sqlite3_stmt* s) { return fn(ReadPullRequest(s)); });
  }

  Status ForEachTicket(const std::function<Status(const domain::Ticket&)>& fn) override {
    return sqlite::ForEachTicket(*this, fn);
  }
  Status ForEachTicketStatusChange(
      const std::function<Status(const domain::TicketStatusChange&)>& fn) override {
    return sqlite::ForEachTicketStatusChange(*this, std::nullopt, fn);
  }
  Status ForEachTicketEstimationChange(
      const std::function<Status(const domain::TicketEstimationChange&)>& fn) override {
    return sqlite::ForEachTicketEstimationChange(*this, std::nullopt, fn);
  }

  Status ForEachPullRequestReview(
      const std::function<Status(const domain::PullRequestReview&)>& fn) override {
    static const std::string sql =
        "SELECT pull_request_id, reviewed_at, approved, comments, reviewer "
        "FROM pull_request_reviews ORDER BY rowid";
    return Query(sql, nullptr, [&](sqlite3_stmt* s) {
      return fn(domain::PullRequestReview{ColText(s, 0), sqlite3_column_int64(s, 1),
                                          sqlite3_column_int(s, 2) != 0,
                                          sqlite3_column_int64(s, 3), ColText(s, 4)});
    });
  }

 private:
  static constexpr size_t kMaxCachedSeries = 100000;

  struct Cached {
    SeriesState state;
    int64_t row_id;  // 0: not in the table yet
  };
  struct KeyHash {
    size_t operator()(const SeriesKey& k) const {
      std::hash<std::string> h;
      size_t x = h(k.metric);
      for (const std::string* part : {&k.project_id, &k.team_id, &k.environment, &k.ticket_type}) {
        x = x * 1099511628211u ^ h(*part);
      }
      return x;
    }
  };
  using Cache = std::unordered_map<SeriesKey, Cached, KeyHash>;
  using KeySet = std::unordered_set<SeriesKey, KeyHash>;
  struct Undo {
    SeriesKey key;
    std::optional<Cached> previous;
    bool was_dirty;
  };
  struct ClearUndo {
    Cache cache;
    KeySet dirty;
    bool cleared;
    size_t undo_mark;  // undo_.size() when the clear happened
  };

  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  void RestoreClear() {
    ClearUndo& c = clear_undo_.back();
    cache_ = std::move(c.cache);
    dirty_ = std::move(c.dirty);
    cleared_ = c.cleared;
    clear_undo_.pop_back();
  }

  Result<std::optional<SeriesState>> ReadSeriesRow(const SeriesKey& key, int64_t* row_id) {
    static const std::string sql = std::string("SELECT ") + kSeriesColumns +
                                   ", id FROM metric_series WHERE metric = ?1 AND "
                                   "project_id = ?2 AND team_id = ?3 AND environment = ?4 AND "
                                   "ticket_type = ?5";
    std::optional<SeriesState> out;
    Status s = Query(
        sql, [&](sqlite3_stmt* st) { BindSeriesKey(st, key, 5); },
        [&](sqlite3_stmt* st) {
          out = ReadSeries(st);
          *row_id = sqlite3_column_int64(st, 13);
          return Status::Ok();
        });
    if (!s.ok()) return s;
    return out;
  }

  // Binds the state columns (start_ms .. buckets) at ?6 .. ?12.
  static void BindSeriesState(sqlite3_stmt* s, const SeriesState& st) {
    sqlite3_bind_int64(s, 6, st.start_ms);
    sqlite3_bind_int64(s, 7, st.updated_ms);
    sqlite3_bind_int64(s, 8, static_cast<int64_t>(st.count));
    sqlite3_bind_double(s, 9, st.sum);
    sqlite3_bind_double(s, 10, st.min);
    sqlite3_bind_double(s, 11, st.max);
    std::string buckets = EncodeBuckets(st.buckets);
    sqlite3_bind_text(s, 12, buckets.data(), static_cast<int>(buckets.size()), SQLITE_TRANSIENT);
  }

  Status UpdateSeriesRow(int64_t row_id, const SeriesState& st) {
    static const std::string sql =
        "UPDATE metric_series SET start_ms = ?6, updated_ms = ?7, count = ?8, sum = ?9, "
        "min = ?10, max = ?11, buckets = ?12 WHERE id = ?1";
    return Run(sql, [&](sqlite3_stmt* s) {
      sqlite3_bind_int64(s, 1, row_id);
      BindSeriesState(s, st);
    });
  }

  Status UpsertSeriesRow(const SeriesState& st) {
    static const std::string sql =
        "INSERT INTO metric_series (metric, project_id, team_id, environment, kind, "
        "start_ms, updated_ms, count, sum, min, max, buckets, ticket_type) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
        "ON CONFLICT (metric, project_id, team_id, environment, ticket_type) DO UPDATE SET "
        "kind = excluded.kind, start_ms = excluded.start_ms, updated_ms = excluded.updated_ms, "
        "count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, "
        "buckets = excluded.buckets";
    return Run(sql, [&](sqlite3_stmt* s) {
      BindSeriesKey(s, st.key, 13);
      BindText(s, 5, st.kind == MetricKind::kHistogram ? "histogram" : "counter");
      BindSeriesState(s, st);
    });
  }

  bool caching_ = false;
  bool cleared_ = false;
  int64_t data_version_ = -1;
  Cache cache_;
  KeySet dirty_;
  std::vector<Undo> undo_;
  std::vector<ClearUndo> clear_undo_;

  // The DORA group (migration 4) of the row being inserted: team ?3, project ?2, environment ?4.
  static constexpr const char* kGroupIdOf =
      "(SELECT id FROM dora_groups WHERE team_id = ?3 AND project_id = ?2 AND environment = ?4)";

  // Groups are only ever added, so one this connection has added (or seen added) needs no
  // statement. Were that insert rolled back, the row's group_id would come out NULL and the
  // deployments_group_on_insert trigger would add the group then.
  Status AddGroup(const std::string& team, const std::string& project, const std::string& env) {
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
  std::unordered_set<std::string> known_groups_;

  static void BindDeployment(sqlite3_stmt* s, const Deployment& d) {
    BindText(s, 1, d.id);
    BindText(s, 2, d.project_id);
    BindText(s, 3, d.team_id);
    BindText(s, 4, d.environment);
    sqlite3_bind_int64(s, 5, d.first_commit_at.value_or(kNoFirstCommit));
    sqlite3_bind_int64(s, 6, d.deploy_start_at);
    BindOptTime(s, 7, d.deployed_at);
    BindText(s, 8, domain::DeploymentStatusName(d.status));
    sqlite3_bind_int64(s, 9, d.created_at);
    BindText(s, 10, domain::DeploymentKindName(d.kind));
    BindText(s, 11, d.commit_sha);
    sqlite3_bind_int(s, 12, d.failed ? 1 : 0);
    BindOptTime(s, 13, d.recovered_at);
  }

  static void BindIncident(sqlite3_stmt* s, const Incident& i) {
    BindText(s, 1, i.id);
    BindText(s, 2, i.project_id);
    BindText(s, 3, i.team_id);
    BindText(s, 4, i.environment);
    if (i.deployment_id) {
      BindText(s, 5, *i.deployment_id);
    } else {
      sqlite3_bind_null(s, 5);
    }
    sqlite3_bind_int64(s, 6, i.started_at);
    BindOptTime(s, 7, i.restored_at);
    BindOptTime(s, 8, i.finished_at);
    sqlite3_bind_int64(s, 9, i.created_at);
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> stmts_;
};

class SqliteEventStore::Lease {
 public:
  Lease(SqliteEventStore* owner, std::unique_ptr<SqliteConnection> c, Status s)
      : owner_(owner), conn_(std::move(c)), status_(std::move(s)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (conn_) owner_->Release(std::move(conn_));
  }
  const Status& status() const { return status_; }
  SqliteConnection* operator->() { return conn_.get(); }
  SqliteConnection& operator*() { return *conn_; }

 private:
  SqliteEventStore* owner_;
  std::unique_ptr<SqliteConnection> conn_;
  Status status_;
};

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(const SqliteOptions& options) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::Unavailable("cannot create directory " + parent.string() + ": " + ec.message());
  }
  auto store = std::unique_ptr<SqliteEventStore>(new SqliteEventStore());
  store->options_ = options;
  LogLibraryVersion();
  auto writer = SqliteConnection::Open(options, /*may_checkpoint=*/true);
  if (!writer.ok()) return writer.status();
  store->writer_ = std::move(*writer);
  SqliteConnection& w = *store->writer_;

  // WAL lets readers run beside the single writer; it must be confirmed, not assumed.
  std::string mode;
  EMM_RETURN_IF_ERROR(w.Query("PRAGMA journal_mode = WAL", nullptr, [&](sqlite3_stmt* s) {
    mode = ColText(s, 0);
    return Status::Ok();
  }));
  if (mode != "wal") {
    return Status::Unavailable("cannot enable WAL on " + options.path + " (journal mode " + mode +
                               ")");
  }

  int64_t node_tables = 0;
  EMM_RETURN_IF_ERROR(w.Query(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'db_migrations' AND "
      "NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')",
      nullptr, [&](sqlite3_stmt* s) {
        node_tables = sqlite3_column_int64(s, 0);
        return Status::Ok();
      }));
  if (node_tables > 0) {
    return Status::FailedPrecondition(
        options.path +
        " was created by the Node.js em-metrics (it has db_migrations): its dates are free text "
        "and its schema differs; point SQLITE_DB at a new file");
  }

  EMM_RETURN_IF_ERROR(
      w.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  int current = 0;
  EMM_RETURN_IF_ERROR(w.Query("SELECT coalesce(max(version), 0) FROM schema_migrations", nullptr,
                              [&](sqlite3_stmt* s) {
                                current = sqlite3_column_int(s, 0);
                                return Status::Ok();
                              }));
  auto migrations = sqlite::Migrations();
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    return Status::FailedPrecondition("database schema version " + std::to_string(current) +
                                      " is newer than this em-metrics (" + std::to_string(latest) +
                                      "): upgrade em-metrics");
  }
  for (const sqlite::Migration& m : migrations) {
    if (m.version <= current) continue;
    EMM_RETURN_IF_ERROR(w.Exec("BEGIN IMMEDIATE"));
    Status s = w.Exec(m.sql);
    if (s.ok()) {
      s = w.Run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                [&](sqlite3_stmt* st) {
                  sqlite3_bind_int(st, 1, m.version);
                  BindText(st, 2, m.name);
                  sqlite3_bind_int64(st, 3, SystemClock::Instance().NowMs());
                });
    }
    if (s.ok()) s = w.Exec("COMMIT");
    if (!s.ok()) {
      (void)w.Exec("ROLLBACK");
      return Status::Internal("migration " + std::to_string(m.version) + " (" + m.name +
                              ") failed: " + s.message());
    }
    store->applied_.push_back(m.version);
    log::Info("migration applied", {{"version", m.version}, {"name", m.name}});
  }
  store->schema_version_ = latest;

  // Checkpoints (copying the WAL back into the database file) run on the writer's connection,
  // between two batches: never beside a commit (CheckpointIfDue). The hook replaces SQLite's
  // automatic checkpoint inside COMMIT, which would hold up the batch's acknowledgements.
  sqlite3_wal_hook(
      w.db(),
      [](void* arg, sqlite3*, const char*, int pages) {
        static_cast<SqliteEventStore*>(arg)->wal_pages_ = pages;
        return SQLITE_OK;
      },
      store.get());
  store->next_checkpoint_pages_ = options.checkpoint_pages;
  // Once a long reader is gone and the log starts over, its file is cut back to this size.
  int64_t limit = 4LL * std::max(options.checkpoint_pages, 256) * 4096;
  EMM_RETURN_IF_ERROR(w.Exec("PRAGMA journal_size_limit = " + std::to_string(limit)));
  return store;
}

void SqliteEventStore::LogLibraryVersion() {
  static std::once_flag once;
  std::call_once(once, [] {
    int v = sqlite3_libversion_number();
    // Upstream fixed the WAL-reset race in 3.51.3 and backported it to 3.50.7 and 3.44.6. A
    // distribution may patch an older version without changing its number: we serialise
    // checkpoints with commits either way.
    bool fixed = v >= 3051003 || (v >= 3050007 && v < 3051000) || (v >= 3044006 && v < 3045000);
    log::Info("sqlite library", {{"version", sqlite3_libversion()},
                                 {"wal_reset_fix_upstream", fixed},
                                 {"checkpoints", "serialised with commits on the writer"}});
  });
}

void SqliteEventStore::CheckpointIfDue() {
  if (options_.checkpoint_pages <= 0 || wal_pages_ < next_checkpoint_pages_) return;
  // PASSIVE copies every frame no reader still needs, waits for nobody, and in synchronous=NORMAL
  // mode syncs the WAL before copying and the database file after, so nothing acknowledged is put
  // at risk. With every frame copied, the next commit starts the log over from its beginning.
  int log_frames = 0, done_frames = 0;
  int rc = sqlite3_wal_checkpoint_v2(writer_->db(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                     &log_frames, &done_frames);
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    checkpoint_failures_.Hit({{"error", sqlite3_errmsg(writer_->db())}});
    return;
  }
  checkpoint_failures_.Recovered();
  if (rc == SQLITE_OK && done_frames < log_frames) {
    // A reader's snapshot still needs the rest: try again once the log has grown as much again,
    // not after every batch.
    next_checkpoint_pages_ = log_frames + options_.checkpoint_pages;
    if (log_frames > 10 * options_.checkpoint_pages) {
      log::Warn("the write-ahead log keeps growing: a long-running reader holds old pages",
                {{"wal_frames", log_frames}, {"checkpointed", done_frames}});
    }
    return;
  }
  next_checkpoint_pages_ = options_.checkpoint_pages;
}

SqliteEventStore::~SqliteEventStore() {
  if (wal_fd_ >= 0) close(wal_fd_);
}

Status SqliteEventStore::Sync() {
  if (!options_.full_sync) return Status::Ok();
  // fdatasync on any descriptor of the file flushes that file's data: SQLite wrote the frames of
  // every committed transaction to the WAL before COMMIT returned, so syncing the WAL here makes
  // them durable (a frame torn by power loss fails its checksum and is ignored on recovery).
  std::string wal = options_.path + "-wal";
  struct stat st {};
  if (::stat(wal.c_str(), &st) != 0) {
    return Status::Unavailable("cannot stat " + wal + ": " + std::strerror(errno));
  }
  if (wal_fd_ < 0 || wal_inode_ != st.st_ino) {
    if (wal_fd_ >= 0) close(wal_fd_);
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) return Status::Unavailable("cannot open " + wal + ": " + std::strerror(errno));
    wal_inode_ = st.st_ino;
    // A new WAL file's directory entry must reach the disk too.
    std::string dir = std::filesystem::path(options_.path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      close(dfd);
    }
  }
  if (::fdatasync(wal_fd_) != 0) {
    if (errno == ENOSPC) {
      return Status::ResourceExhausted("the disk holding " + wal + " is full (fdatasync)");
    }
    return Status::Unavailable("fdatasync " + wal + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

SqliteEventStore::Lease SqliteEventStore::Acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return Lease(this, std::move(c), Status::Ok());
    }
  }
  auto c = SqliteConnection::Open(options_, /*may_checkpoint=*/false);
  if (!c.ok()) return Lease(this, nullptr, c.status());
  return Lease(this, std::move(*c), Status::Ok());
}

void SqliteEventStore::Release(std::unique_ptr<SqliteConnection> c) {
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (static_cast<int>(pool_.size()) < options_.read_connections) pool_.push_back(std::move(c));
}

std::vector<Status> SqliteEventStore::RunBatch(std::span<const Work> work) {
  SqliteConnection& w = *writer_;
  CheckpointIfDue();
  std::vector<Status> results(work.size());
  Status begin = w.Run("BEGIN IMMEDIATE", nullptr);
  if (!begin.ok()) {
    for (auto& r : results) r = begin;
    return results;
  }
  if (Status cache = w.BeginBatch(); !cache.ok()) {
    (void)w.Exec("ROLLBACK");
    for (auto& r : results) r = cache;
    return results;
  }
  for (size_t i = 0; i < work.size(); ++i) {
    w.BeginItem();
    Status s = w.Run("SAVEPOINT item", nullptr);
    if (s.ok()) {
      try {
        s = work[i](w);
      } catch (const std::exception& e) {
        s = Status::Internal(std::string("unexpected error in a write: ") + e.what());
      }
      if (!s.ok()) {
        (void)w.Run("ROLLBACK TO item", nullptr);
        w.RollbackItem();
      }
      if (!sqlite3_get_autocommit(w.db())) {
        Status release = w.Run("RELEASE item", nullptr);
        if (s.ok() && !release.ok()) s = release;
      }
    }
    if (sqlite3_get_autocommit(w.db())) {
      // SQLite rolled the whole transaction back itself (a full disk, an I/O error): the items
      // before this one are gone too, so no item of the batch may be acknowledged.
      Status lost = s.ok() ? Status::Unavailable("the write transaction was rolled back") : s;
      w.EndBatch(false);
      write_failures_.Hit({{"error", lost.ToString()}, {"batch", work.size()}});
      for (auto& r : results) r = lost;
      return results;
    }
    results[i] = std::move(s);
  }
  Status commit = w.FlushSeries();
  if (commit.ok()) commit = w.Run("COMMIT", nullptr);
  w.EndBatch(commit.ok());
  if (!commit.ok()) {
    (void)w.Exec("ROLLBACK");
    write_failures_.Hit({{"error", commit.ToString()}, {"batch", work.size()}});
    for (auto& r : results) {
      if (r.ok()) r = commit;
    }
  } else {
    write_failures_.Recovered();
  }
  return results;
}

Result<std::optional<domain::PullRequest>> SqliteEventStore::GetPullRequest(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return c->FindPullRequest(id);
}

Result<std::vector<domain::PullRequest>> SqliteEventStore::ListPullRequests(
    const PullRequestQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  std::string sql = std::string("SELECT ") + kPullRequestColumns + " FROM pull_requests";
  if (q.team_id) sql += " WHERE team_id = ?3";
  sql += " ORDER BY opened_at, id LIMIT ?1 OFFSET ?2";
  std::vector<domain::PullRequest> out;
  EMM_RETURN_IF_ERROR(c->Query(
      sql,
      [&](sqlite3_stmt* st) {
        sqlite3_bind_int64(st, 1, q.limit);
        sqlite3_bind_int64(st, 2, q.offset);
        if (q.team_id) BindText(st, 3, *q.team_id);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadPullRequest(st));
        return Status::Ok();
      }));
  return out;
}

Result<std::optional<domain::Ticket>> SqliteEventStore::GetTicket(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return c->FindTicket(id);
}

Result<std::vector<domain::Ticket>> SqliteEventStore::ListTickets(const TicketQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::ListTickets(*c, q);
}

Result<TicketHistory> SqliteEventStore::GetTicketHistory(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::GetTicketHistory(*c, id);
}

Result<std::vector<domain::Ticket>> SqliteEventStore::LoadTicketsForStats(
    const TicketStatsQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::LoadTicketsForStats(*c, q);
}

Result<std::optional<Deployment>> SqliteEventStore::GetDeployment(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return c->FindDeployment(id);
}

Result<std::vector<Deployment>> SqliteEventStore::ListDeployments(const DeploymentQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  // The order is (deployed_at, id) with deployments not yet deployed last, by id. It is read in
  // two parts so that the first walks time-ordered indexes instead of sorting the table.
  // Deployed deployments of a project are found through its (team, project, environment) groups
  // (migration 5 dropped the per-project index to make writes cheaper).
  std::string group_filter;
  if (q.project_id) {
    group_filter = " AND group_id IN (SELECT id FROM dora_groups WHERE project_id = ?1";
    if (q.environment) group_filter += " AND environment = ?2";
    group_filter += ")";
  } else if (q.environment) {
    group_filter = " AND environment = ?2";
  }
  std::string filters;
  if (q.project_id) filters += " AND project_id = ?1";
  if (q.environment) filters += " AND environment = ?2";
  auto bind_filters = [&](sqlite3_stmt* st) {
    if (q.project_id) BindText(st, 1, *q.project_id);
    if (q.environment) BindText(st, 2, *q.environment);
  };
  std::string time_filter;
  if (q.from) time_filter += " AND deployed_at >= ?3";
  if (q.to) time_filter += " AND deployed_at < ?4";
  std::vector<Deployment> out;
  auto collect = [&](sqlite3_stmt* st) {
    out.push_back(ReadDeployment(st));
    return Status::Ok();
  };

  // A project has few groups (one per team and environment it deploys with): each is read in
  // order from deployments_dora_by_group and SQLite merges them (a compound SELECT whose arms
  // are ordered: no sort, and LIMIT stops the merge early). Past kMaxMergedGroups, one query
  // with an IN filter (SQLite sorts what matches).
  constexpr size_t kMaxMergedGroups = 32;
  std::vector<int64_t> groups;
  if (q.project_id) {
    EMM_RETURN_IF_ERROR(c->Query(
        std::string("SELECT id FROM dora_groups WHERE project_id = ?1") +
            (q.environment ? " AND environment = ?2" : "") + " ORDER BY id",
        bind_filters, [&](sqlite3_stmt* st) {
          groups.push_back(sqlite3_column_int64(st, 0));
          return Status::Ok();
        }));
  }
  auto bind_page = [&](sqlite3_stmt* st) {
    if (q.from) sqlite3_bind_int64(st, 3, *q.from);
    if (q.to) sqlite3_bind_int64(st, 4, *q.to);
    sqlite3_bind_int64(st, 5, q.limit);
    sqlite3_bind_int64(st, 6, q.offset);
  };
  if (q.project_id && groups.empty()) {
    // Nothing of this project (in this environment) was ever stored: no deployed part.
  } else if (q.project_id && groups.size() <= kMaxMergedGroups) {
    // Parameters ?7.. are the group ids, so the SQL text (and its cached statement) depends only
    // on how many groups there are.
    std::string merged;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (i) merged += " UNION ALL ";
      merged += std::string("SELECT ") + kDeploymentColumns +
                " FROM deployments INDEXED BY deployments_dora_by_group WHERE group_id = ?" +
                std::to_string(7 + i) + " AND deployed_at IS NOT NULL" + time_filter;
    }
    EMM_RETURN_IF_ERROR(c->Query(
        merged + " ORDER BY deployed_at, id LIMIT ?5 OFFSET ?6",
        [&](sqlite3_stmt* st) {
          bind_page(st);
          for (size_t i = 0; i < groups.size(); ++i) {
            sqlite3_bind_int64(st, static_cast<int>(7 + i), groups[i]);
          }
        },
        collect));
  } else {
    EMM_RETURN_IF_ERROR(c->Query(std::string("SELECT ") + kDeploymentColumns +
                                     " FROM deployments WHERE deployed_at IS NOT NULL" +
                                     group_filter + time_filter +
                                     " ORDER BY deployed_at, id LIMIT ?5 OFFSET ?6",
                                 [&](sqlite3_stmt* st) {
                                   bind_filters(st);
                                   bind_page(st);
                                 },
                                 collect));
  }
  // A time range excludes what is not deployed; a full page needs nothing more.
  if (q.from || q.to || static_cast<int64_t>(out.size()) >= q.limit) return out;

  // How many deployed rows the offset skipped: known unless the page came back empty.
  int64_t deployed_total = q.offset + static_cast<int64_t>(out.size());
  if (out.empty() && q.offset > 0) {
    EMM_RETURN_IF_ERROR(
        c->Query("SELECT count(*) FROM deployments WHERE deployed_at IS NOT NULL" + group_filter,
                 bind_filters, [&](sqlite3_stmt* st) {
                   deployed_total = sqlite3_column_int64(st, 0);
                   return Status::Ok();
                 }));
  }
  const int64_t rest_offset = q.offset > deployed_total ? q.offset - deployed_total : 0;
  const int64_t rest_limit = q.limit - static_cast<int64_t>(out.size());
  EMM_RETURN_IF_ERROR(c->Query(
      std::string("SELECT ") + kDeploymentColumns + " FROM deployments WHERE deployed_at IS NULL" +
          filters + " ORDER BY id LIMIT ?5 OFFSET ?6",
      [&](sqlite3_stmt* st) {
        bind_filters(st);
        sqlite3_bind_int64(st, 5, rest_limit);
        sqlite3_bind_int64(st, 6, rest_offset);
      },
      collect));
  return out;
}

Result<std::optional<Incident>> SqliteEventStore::GetIncident(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return c->FindIncident(id);
}

Result<std::vector<Incident>> SqliteEventStore::ListIncidents(const IncidentQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE 1 = 1";
  if (q.filter == IncidentFilter::kInProgress) sql += " AND restored_at IS NULL";
  if (q.filter == IncidentFilter::kUnfinished) {
    sql += " AND (finished_at IS NULL OR restored_at IS NULL)";
  }
  if (q.project_id) sql += " AND project_id = ?1";
  sql += " ORDER BY started_at, id";
  std::vector<Incident> out;
  Status s = c->Query(
      sql,
      [&](sqlite3_stmt* st) {
        if (q.project_id) BindText(st, 1, *q.project_id);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadIncident(st));
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<SeriesState>> SqliteEventStore::ListSeries() {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  std::vector<SeriesState> out;
  Status s = c->Query(std::string("SELECT ") + kSeriesColumns +
                          " FROM metric_series ORDER BY metric, project_id, team_id, environment, "
                          "ticket_type",
                      nullptr, [&](sqlite3_stmt* st) {
                        out.push_back(ReadSeries(st));
                        return Status::Ok();
                      });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<domain::ExportMark>> SqliteEventStore::ListExportMarks() {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  std::vector<domain::ExportMark> out;
  Status s = c->Query(
      "SELECT metric, project_id, team_id, environment, series_start_ms, acked_ms, count, sum, "
      "buckets, ticket_type FROM export_marks",
      nullptr, [&](sqlite3_stmt* st) {
        domain::ExportMark m;
        m.key = SeriesKey{ColText(st, 0), ColText(st, 1), ColText(st, 2), ColText(st, 3),
                          ColText(st, 9)};
        m.series_start_ms = sqlite3_column_int64(st, 4);
        m.acked_ms = sqlite3_column_int64(st, 5);
        m.count = static_cast<uint64_t>(sqlite3_column_int64(st, 6));
        m.sum = sqlite3_column_double(st, 7);
        m.buckets = DecodeBuckets(ColText(st, 8));
        out.push_back(std::move(m));
        return Status::Ok();
      });
  if (!s.ok()) return s;
  return out;
}

namespace {

// A JSON array of strings, for `IN (SELECT value FROM json_each(?))`: one statement text for any
// number of values (the statement cache stays bounded).
std::string JsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (unsigned char ch : v) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += static_cast<char>(ch);
      } else if (ch < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", ch);
        out += buf;
      } else {
        out += static_cast<char>(ch);
      }
    }
    out += '"';
  }
  return out + "]";
}

// "id, project_id, ..." -> "i.id, i.project_id, ..."
std::string Prefixed(const char* columns, const std::string& alias) {
  std::string out = alias + ".";
  for (const char* p = columns; *p; ++p) {
    out += *p;
    if (*p == ' ') out += alias + ".";
  }
  return out;
}

// The project/team/environment filters present in `q`, on the table aliased `a`, bound at ?3, ?4,
// ?5. Absent filters are left out of the text (an "?3 IS NULL OR ..." made SQLite evaluate the
// subquery for every row: 10x slower); at most 8 statement texts per query.
// Binds what DoraFilters refers to: ?1 from, ?2 to, ?3-?5 the filters as JSON arrays.
class DoraBinder {
 public:
  explicit DoraBinder(const DoraQuery& q)
      : q_(q),
        projects_(JsonArray(q.projects)),
        teams_(JsonArray(q.teams)),
        environments_(JsonArray(q.environments)) {}
  void operator()(sqlite3_stmt* st) const {
    sqlite3_bind_int64(st, 1, q_.from);
    sqlite3_bind_int64(st, 2, q_.to);
    if (!q_.projects.empty()) BindText(st, 3, projects_);
    if (!q_.teams.empty()) BindText(st, 4, teams_);
    if (!q_.environments.empty()) BindText(st, 5, environments_);
  }

 private:
  const DoraQuery& q_;
  std::string projects_, teams_, environments_;
};

std::string DoraFilters(const DoraQuery& q, const std::string& a) {
  std::string out;
  if (!q.projects.empty()) out += " AND " + a + ".project_id IN (SELECT value FROM json_each(?3))";
  if (!q.teams.empty()) out += " AND " + a + ".team_id IN (SELECT value FROM json_each(?4))";
  if (!q.environments.empty()) {
    out += " AND " + a + ".environment IN (SELECT value FROM json_each(?5))";
  }
  return out;
}


// link=previous_deployment: incidents without a deployment_id that started from the range's start
// on (earlier ones cannot point into the range), each with the last deployment of its project and
// environment deployed before it started (its id in deployment_id, and its deployed_at).
// The latest deployment is found per (team, project, environment) group of the incident's project
// and environment: one seek into the group index, which holds (deployed_at, id), so no row of
// the deployments table is read (two lookups by text id per incident otherwise: most of the time).
Status LoadInferredLinks(SqliteConnection& c, const DoraQuery& q,
                         std::vector<std::pair<Incident, TimeMs>>* out) {
  std::vector<Incident> unlinked;
  EMM_RETURN_IF_ERROR(c.Query("SELECT " + Prefixed(kIncidentColumns, "i") +
                                  " FROM incidents i WHERE i.deployment_id IS NULL AND "
                                  "i.started_at >= ?1" +
                                  DoraFilters(q, "i"),
                              DoraBinder(q), [&](sqlite3_stmt* st) {
                                unlinked.push_back(ReadIncident(st));
                                return Status::Ok();
                              }));
  if (unlinked.empty()) return Status::Ok();
  static const std::string kGroupsOf =
      "SELECT id FROM dora_groups WHERE project_id = ?1 AND environment = ?2";
  static const std::string kLatest =
      "SELECT deployed_at, id FROM deployments INDEXED BY deployments_dora_by_group "
      "WHERE group_id = ?1 AND deployed_at IS NOT NULL AND deployed_at <= ?2 "
      "ORDER BY deployed_at DESC, id DESC LIMIT 1";
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> groups_of;
  for (Incident& i : unlinked) {
    auto [g, added] = groups_of.try_emplace({i.project_id, i.environment});
    if (added) {
      EMM_RETURN_IF_ERROR(c.Query(
          kGroupsOf,
          [&](sqlite3_stmt* st) {
            BindText(st, 1, i.project_id);
            BindText(st, 2, i.environment);
          },
          [&](sqlite3_stmt* st) {
            g->second.push_back(sqlite3_column_int64(st, 0));
            return Status::Ok();
          }));
    }
    // The latest across the groups, by (deployed_at, id) as each group's index orders them.
    std::optional<std::pair<TimeMs, std::string>> best;
    for (int64_t group : g->second) {
      EMM_RETURN_IF_ERROR(c.Query(
          kLatest,
          [&](sqlite3_stmt* st) {
            sqlite3_bind_int64(st, 1, group);
            sqlite3_bind_int64(st, 2, i.started_at);
          },
          [&](sqlite3_stmt* st) {
            std::pair<TimeMs, std::string> found{sqlite3_column_int64(st, 0), ColText(st, 1)};
            if (!best || found > *best) best = std::move(found);
            return Status::Ok();
          }));
    }
    if (!best) continue;
    i.deployment_id = std::move(best->second);
    out->emplace_back(std::move(i), best->first);
  }
  return Status::Ok();
}

bool Wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

}  // namespace

Result<domain::DoraEvents> SqliteEventStore::LoadDoraEvents(const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  const DoraBinder bind(q);
  const std::string kDeployed =
      "SELECT d.id, d.project_id, d.team_id, d.environment, d.first_commit_at, "
      "d.deploy_start_at, d.deployed_at, d.kind, d.failed, d.recovered_at "
      "FROM deployments d INDEXED BY deployments_by_deployed_at "
      "WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2" +
      DoraFilters(q, "d");
  const std::string kRestored = "SELECT " + Prefixed(kIncidentColumns, "i") +
                                " FROM incidents i WHERE i.restored_at >= ?1 AND "
                                "i.restored_at < ?2" +
                                DoraFilters(q, "i");
  const std::string kDetected =
      "SELECT " + Prefixed(kIncidentColumns, "i") +
      ", d.deployed_at FROM incidents i JOIN deployments d ON d.id = i.deployment_id"
      " WHERE i.started_at >= ?1 AND i.started_at < ?2 AND d.deployed_at IS NOT NULL" +
      DoraFilters(q, "i");
  // The incidents that failed the range's deployments, whenever they started.
  const std::string kFailures =
      "SELECT " + Prefixed(kIncidentColumns, "i") +
      " FROM deployments d INDEXED BY deployments_by_deployed_at"
      " JOIN incidents i ON i.deployment_id = d.id"
      " WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2 AND d.failed" +
      DoraFilters(q, "d") + " ORDER BY i.started_at, i.id";

  domain::DoraEvents out;
  // One read transaction: the three reads see the same commit.
  EMM_RETURN_IF_ERROR(c->Exec("BEGIN"));
  Status s = c->Query(kDeployed, bind, [&](sqlite3_stmt* st) {
    Deployment& d = out.deployed.emplace_back();
    d.id = ColText(st, 0);
    d.project_id = ColText(st, 1);
    d.team_id = ColText(st, 2);
    d.environment = ColText(st, 3);
    d.first_commit_at = FirstCommitOf(sqlite3_column_int64(st, 4));
    d.deploy_start_at = sqlite3_column_int64(st, 5);
    d.deployed_at = sqlite3_column_int64(st, 6);
    d.status = domain::DeploymentStatus::kDeployed;
    d.kind = domain::ParseDeploymentKind(ColText(st, 7)).value_or(domain::DeploymentKind::kPlanned);
    d.failed = sqlite3_column_int(st, 8) != 0;
    d.recovered_at = ColOptTime(st, 9);
    return Status::Ok();
  });
  if (s.ok()) {
    s = c->Query(kRestored, bind, [&](sqlite3_stmt* st) {
      out.restored.push_back(ReadIncident(st));
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = c->Query(kDetected, bind, [&](sqlite3_stmt* st) {
      out.detected.emplace_back(ReadIncident(st), sqlite3_column_int64(st, 9));
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = c->Query(kFailures, bind, [&](sqlite3_stmt* st) {
      out.failures.push_back({ReadIncident(st), /*inferred=*/false});
      return Status::Ok();
    });
  }
  if (s.ok() && q.link_previous) {
    std::vector<std::pair<Incident, TimeMs>> inferred;
    s = LoadInferredLinks(*c, q, &inferred);
    if (s.ok()) domain::AddInferredLinks(inferred, q.from, q.to, &out);
  }
  Status end = c->Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  if (!s.ok()) return s;
  if (!end.ok()) return end;
  return out;
}

Result<domain::DoraFacts> SqliteEventStore::LoadDoraFacts(const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  domain::DoraFacts out;
  // Per group: the range of each of the three indexes. Rows are stepped here directly: this loop
  // runs once per event in the range, and is most of a DORA query's time.
  static const std::string kGroups =
      "SELECT id, team_id, project_id, environment FROM dora_groups ORDER BY id";
  // The id is in the index (schema 5): read only when needed (inferred links, a missing fact).
  static const std::string deployed_sql =
      "SELECT deployed_at, dora_fact, id FROM deployments INDEXED BY deployments_dora_by_group "
      "WHERE group_id = ?1 AND deployed_at >= ?2 AND deployed_at < ?3";
  // A row written by something other than em-metrics (the sqlite3 shell, say) may lack its packed
  // facts: they are computed from its columns instead, and the range says so in the log.
  static const std::string kFactOfRow =
      "SELECT emm_dora_fact(first_commit_at, deploy_start_at, failed, recovered_at, kind) "
      "FROM deployments WHERE id = ?1";
  static const std::string kRestored =
      "SELECT started_at, restored_at FROM incidents INDEXED BY incidents_dora_restored "
      "WHERE group_id = ?1 AND restored_at >= ?2 AND restored_at < ?3";
  static const std::string kDetected =
      "SELECT started_at, deployment_deployed_at FROM incidents INDEXED BY incidents_dora_started "
      "WHERE group_id = ?1 AND deployment_deployed_at IS NOT NULL AND started_at >= ?2 AND "
      "started_at < ?3";

  out.deployed.reserve(dora_rows_hint_.load(std::memory_order_relaxed));
  // One read transaction: every read sees the same commit.
  EMM_RETURN_IF_ERROR(c->Exec("BEGIN"));
  auto read = [&]() -> Status {
    int64_t missing_facts = 0;
    std::vector<std::pair<int64_t, domain::DoraGroup>> groups;
    EMM_RETURN_IF_ERROR(c->Query(kGroups, nullptr, [&](sqlite3_stmt* st) {
      groups.push_back({sqlite3_column_int64(st, 0), {ColText(st, 2), ColText(st, 1), ColText(st, 3)}});
      return Status::Ok();
    }));
    auto deployed = c->Prepare(deployed_sql);
    auto restored = c->Prepare(kRestored);
    auto detected = c->Prepare(kDetected);
    for (const auto* stmt : {&deployed, &restored, &detected}) {
      if (!stmt->ok()) return stmt->status();
    }
    Status fallback = Status::Ok();  // the first error computing a missing fact
    // Steps `st` over one group's range, calling `row` on each row.
    auto each = [&](sqlite3_stmt* st, int64_t group_id, auto&& row) -> Status {
      Use use(st);
      sqlite3_bind_int64(st, 1, group_id);
      sqlite3_bind_int64(st, 2, q.from);
      sqlite3_bind_int64(st, 3, q.to);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
      return rc == SQLITE_DONE ? Status::Ok() : FromSqlite(c->db(), rc, "reading");
    };
    for (const auto& [id, g] : groups) {
      if (!Wanted(q.projects, g.project_id) || !Wanted(q.teams, g.team_id) ||
          !Wanted(q.environments, g.environment)) {
        continue;
      }
      const uint32_t index = static_cast<uint32_t>(out.groups.size());
      out.groups.push_back(g);
      EMM_RETURN_IF_ERROR(each(*deployed, id, [&](sqlite3_stmt* st) {
        domain::DeployedFact& d = out.deployed.emplace_back();
        d.deployed_at = sqlite3_column_int64(st, 0);
        const void* fact = sqlite3_column_blob(st, 1);
        if (!DecodeDoraFact(fact, sqlite3_column_bytes(st, 1), &d)) {
          ++missing_facts;
          Status got = c->Query(
              kFactOfRow, [&](sqlite3_stmt* f) { BindText(f, 1, ColText(st, 2)); },
              [&](sqlite3_stmt* f) {
                DecodeDoraFact(sqlite3_column_blob(f, 0), sqlite3_column_bytes(f, 0), &d);
                return Status::Ok();
              });
          if (fallback.ok()) fallback = got;
        }
        d.group = index;
        if (q.link_previous) out.deployment_ids.push_back(ColText(st, 2));
      }));
      EMM_RETURN_IF_ERROR(each(*restored, id, [&](sqlite3_stmt* st) {
        out.restored.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), index});
      }));
      EMM_RETURN_IF_ERROR(each(*detected, id, [&](sqlite3_stmt* st) {
        out.detected.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), index});
      }));
    }
    EMM_RETURN_IF_ERROR(fallback);
    if (missing_facts > 0) {
      log::Warn("deployments without their packed DORA facts were read from their columns",
                {{"deployments", missing_facts},
                 {"hint", "rows written by something other than em-metrics (dora_fact is NULL)"}});
    }
    if (q.link_previous) {
      std::vector<std::pair<Incident, TimeMs>> inferred;
      EMM_RETURN_IF_ERROR(LoadInferredLinks(*c, q, &inferred));
      domain::AddInferredLinks(inferred, q.from, q.to, &out);
    }
    return Status::Ok();
  };
  Status s = read();
  Status end = c->Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  if (!s.ok()) return s;
  if (!end.ok()) return end;
  size_t hint = dora_rows_hint_.load(std::memory_order_relaxed);
  while (out.deployed.size() > hint &&
         !dora_rows_hint_.compare_exchange_weak(hint, out.deployed.size())) {
  }
  return out;
}

Result<std::pair<std::vector<Deployment>, std::vector<Incident>>> SqliteEventStore::LoadTimeline(
    const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  const DoraBinder bind(q);
  std::pair<std::vector<Deployment>, std::vector<Incident>> out;
  EMM_RETURN_IF_ERROR(c->Exec("BEGIN"));
  Status s = c->Query("SELECT " + Prefixed(kDeploymentColumns, "d") +
                          " FROM deployments d WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2" +
                          DoraFilters(q, "d") + " ORDER BY d.deployed_at, d.id",
                      bind, [&](sqlite3_stmt* st) {
                        out.first.push_back(ReadDeployment(st));
                        return Status::Ok();
                      });
  if (s.ok()) {
    s = c->Query("SELECT " + Prefixed(kIncidentColumns, "i") +
                     " FROM incidents i WHERE ((i.started_at >= ?1 AND i.started_at < ?2) OR "
                     "(i.restored_at >= ?1 AND i.restored_at < ?2))" +
                     DoraFilters(q, "i") + " ORDER BY i.started_at, i.id",
                 bind, [&](sqlite3_stmt* st) {
                   out.second.push_back(ReadIncident(st));
                   return Status::Ok();
                 });
  }
  Status end = c->Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  if (!s.ok()) return s;
  if (!end.ok()) return end;
  return out;
}

Result<std::vector<Deployment>> SqliteEventStore::ListUndeployed(const DoraQuery& q,
                                                                 int64_t offset, int64_t limit) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  const DoraBinder bind(q);
  std::vector<Deployment> out;
  // No index serves this (deployments not deployed are never queried by time on the hot path):
  // a scan, acceptable for an explanation.
  EMM_RETURN_IF_ERROR(c->Query(
      "SELECT " + Prefixed(kDeploymentColumns, "d") +
          " FROM deployments d WHERE d.deployed_at IS NULL AND d.deploy_start_at >= ?1 AND "
          "d.deploy_start_at < ?2" +
          DoraFilters(q, "d") + " ORDER BY d.deploy_start_at, d.id LIMIT ?6 OFFSET ?7",
      [&](sqlite3_stmt* st) {
        bind(st);
        sqlite3_bind_int64(st, 6, limit);
        sqlite3_bind_int64(st, 7, offset);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadDeployment(st));
        return Status::Ok();
      }));
  return out;
}

Result<domain::TeamHealthFacts> SqliteEventStore::LoadTeamHealthFacts(const TeamHealthQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::LoadTeamHealthFacts(*c, q);
}

}  // namespace emm::storage
