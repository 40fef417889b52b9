// What the SQLite store's tests share: a store in a fresh directory (SqliteEventStoreTest), events
// to put in it, a series to compare, and raw SQL run beside the store as an outside tool would.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/metrics.h"
#include "domain/transaction.h"
#include "storage/by_id.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::storage {

constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kHour = 3600 * 1000;

inline domain::Deployment MakeDeployment(std::string id, std::string project = "p1",
                                         std::optional<TimeMs> deployed_at = std::nullopt,
                                         std::string env = "production") {
  domain::Deployment d;
  d.id = std::move(id);
  d.project_id = std::move(project);
  d.team_id = "team";
  d.environment = std::move(env);
  d.first_commit_at = kT0 - 2 * kHour;
  d.deploy_start_at = kT0 - kHour;
  d.deployed_at = deployed_at;
  d.status = deployed_at ? domain::DeploymentStatus::kDeployed : domain::DeploymentStatus::kStarted;
  d.created_at = kT0 - kHour;
  return d;
}

inline domain::Incident MakeIncident(std::string id, TimeMs started_at,
                                     std::optional<TimeMs> restored_at,
                                     std::optional<TimeMs> finished_at,
                                     std::string project = "p1") {
  domain::Incident i;
  i.id = std::move(id);
  i.project_id = std::move(project);
  i.environment = "production";
  i.started_at = started_at;
  i.restored_at = restored_at;
  i.finished_at = finished_at;
  i.created_at = started_at;
  return i;
}

class SqliteEventStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteEventStore> OpenStore() {
    SqliteOptions o;
    o.path = path_;
    o.full_sync = false;
    auto r = SqliteEventStore::Open(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // Runs one unit of work in its own batch.
  Status Run(SqliteEventStore& store, EventStore::Work work) {
    std::vector<EventStore::Work> batch{std::move(work)};
    std::vector<Status> results = store.RunBatch(batch);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? Status::Internal("no result") : results[0];
  }

  void Insert(SqliteEventStore& store, const std::vector<domain::Deployment>& ds) {
    Status s = Run(store, [&](domain::Transaction& tx) {
      for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Insert(SqliteEventStore& store, const std::vector<domain::Incident>& is) {
    Status s = Run(store, [&](domain::Transaction& tx) {
      for (const auto& i : is) EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("data/nested/em-metrics.db");
};

inline void ExecRaw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

inline domain::SeriesState MakeHistogram() {
  domain::SeriesState s = domain::SeriesState::Empty(
      domain::kLeadTimeForChanges, {"lead_time_for_changes", "p1", "team", "production"}, kT0);
  s.Fold(30, kT0 + 1);
  s.Fold(90.5, kT0 + 2);
  s.Fold(365 * 86400.0, kT0 + 3);
  return s;
}

inline void ExpectSameSeries(const domain::SeriesState& got, const domain::SeriesState& want) {
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.start_ms, want.start_ms);
  EXPECT_EQ(got.updated_ms, want.updated_ms);
  EXPECT_EQ(got.count, want.count);
  EXPECT_DOUBLE_EQ(got.sum, want.sum);
  EXPECT_DOUBLE_EQ(got.min, want.min);
  EXPECT_DOUBLE_EQ(got.max, want.max);
  EXPECT_EQ(got.buckets, want.buckets);
}

}  // namespace emm::storage
