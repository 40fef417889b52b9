#include "storage/sqlite/sqlite_event_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>

#include "common/log.h"
#include "storage/read_snapshot.h"
#include "storage/sqlite/dora_queries.h"
#include "storage/sqlite/event_queries.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_connection.h"
#include "storage/sqlite/statements.h"
#include "storage/sqlite/team_health_queries.h"
#include "storage/sqlite/ticket_queries.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::Incident;
using domain::SeriesState;

using sqlite::ColText;

}  // namespace

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

  auto migrated = sqlite::Migrate(w, options.path);
  if (!migrated.ok()) return migrated.status();
  store->applied_ = std::move(migrated->applied);
  store->schema_version_ = migrated->schema_version;

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
  return sqlite::ListPullRequests(*c, q);
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
  return WithSnapshot(*c, [&] { return sqlite::GetTicketHistory(*c, id); });
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
  return WithSnapshot(*c, [&] { return sqlite::ListDeployments(*c, q); });
}

Result<std::optional<Incident>> SqliteEventStore::GetIncident(std::string_view id) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return c->FindIncident(id);
}

Result<std::vector<Incident>> SqliteEventStore::ListIncidents(const IncidentQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::ListIncidents(*c, q);
}

Result<std::vector<SeriesState>> SqliteEventStore::ListSeries() {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::ListSeries(*c);
}

Result<std::vector<domain::ExportMark>> SqliteEventStore::ListExportMarks() {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::ListExportMarks(*c);
}

// The DORA reads: dora_queries.cc.

Result<domain::DoraEvents> SqliteEventStore::LoadDoraEvents(const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return WithSnapshot(*c, [&] { return sqlite::LoadDoraEvents(*c, q); });
}

Result<domain::DoraFacts> SqliteEventStore::LoadDoraFacts(const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  auto out = WithSnapshot(*c, [&] {
    return sqlite::LoadDoraFacts(*c, q, dora_rows_hint_.load(std::memory_order_relaxed));
  });
  if (!out.ok()) return out;
  size_t hint = dora_rows_hint_.load(std::memory_order_relaxed);
  while (out->deployed.size() > hint &&
         !dora_rows_hint_.compare_exchange_weak(hint, out->deployed.size())) {
  }
  return out;
}

Result<std::pair<std::vector<Deployment>, std::vector<Incident>>> SqliteEventStore::LoadTimeline(
    const DoraQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return WithSnapshot(*c, [&] { return sqlite::LoadTimeline(*c, q); });
}

Result<std::vector<Deployment>> SqliteEventStore::ListUndeployed(const DoraQuery& q,
                                                                 int64_t offset, int64_t limit) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return sqlite::ListUndeployed(*c, q, offset, limit);
}

Result<domain::TeamHealthFacts> SqliteEventStore::LoadTeamHealthFacts(const TeamHealthQuery& q) {
  Lease c = Acquire();
  if (!c.status().ok()) return c.status();
  return WithSnapshot(*c, [&] { return sqlite::LoadTeamHealthFacts(*c, q); });
}

}  // namespace emm::storage
