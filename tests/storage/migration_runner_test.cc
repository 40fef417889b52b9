// The shared migration runner over a fake dialect: what it applies and in which order, what a
// failing step leaves behind, and the databases it refuses before touching them.
#include "storage/migration_runner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emm::storage {
namespace {

class FixedClock final : public Clock {
 public:
  TimeMs NowMs() const override { return 1234; }
};

// An in-memory version table with transactions: records stick only on Commit. `calls` is the
// sequence the runner made, to check the bracketing.
class FakeDialect final : public MigrationDialect {
 public:
  bool node_js = false;
  int fail_version = 0;  // ApplyStep of this version fails
  Status version_read = Status::Ok();
  std::vector<std::pair<int, TimeMs>> recorded;  // committed
  std::vector<std::string> calls;

  Result<bool> CreatedByNodeJs() override {
    calls.push_back("node?");
    return node_js;
  }
  std::string NewDatabaseHint() const override { return "use another database"; }
  Status EnsureVersionTable() override {
    calls.push_back("table");
    return Status::Ok();
  }
  Result<int> AppliedVersion() override {
    calls.push_back("version?");
    if (!version_read.ok()) return version_read;
    return recorded.empty() ? 0 : recorded.back().first;
  }
  Status Begin() override {
    calls.push_back("begin");
    pending_.clear();
    return Status::Ok();
  }
  Status ApplyStep(const MigrationStep& step) override {
    calls.push_back("apply " + std::to_string(step.version));
    if (step.version == fail_version) return Status::Internal("no such column: x");
    return Status::Ok();
  }
  Status RecordStep(const MigrationStep& step, TimeMs at) override {
    calls.push_back("record " + std::to_string(step.version));
    pending_.emplace_back(step.version, at);
    return Status::Ok();
  }
  Status Commit() override {
    calls.push_back("commit");
    recorded.insert(recorded.end(), pending_.begin(), pending_.end());
    pending_.clear();
    return Status::Ok();
  }
  void Rollback() override {
    calls.push_back("rollback");
    pending_.clear();
  }

 private:
  std::vector<std::pair<int, TimeMs>> pending_;
};

constexpr MigrationStep kSteps[] = {
    {1, "one", "CREATE a"}, {2, "two", "CREATE b"}, {3, "three", "CREATE c"}};

TEST(MigrationRunnerTest, AppliesEveryStepInOrderEachInItsOwnTransaction) {
  FakeDialect d;
  FixedClock clock;
  auto r = RunMigrations(d, kSteps, "db", clock);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->applied, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r->schema_version, 3);
  EXPECT_EQ(d.recorded, (std::vector<std::pair<int, TimeMs>>{{1, 1234}, {2, 1234}, {3, 1234}}));
  EXPECT_EQ(d.calls, (std::vector<std::string>{"node?", "table", "version?",              //
                                               "begin", "apply 1", "record 1", "commit",  //
                                               "begin", "apply 2", "record 2", "commit",  //
                                               "begin", "apply 3", "record 3", "commit"}));
}

TEST(MigrationRunnerTest, AppliesOnlyTheStepsAfterTheRecordedVersion) {
  FakeDialect d;
  d.recorded = {{1, 0}, {2, 0}};
  auto r = RunMigrations(d, kSteps, "db");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->applied, (std::vector<int>{3}));
  EXPECT_EQ(r->schema_version, 3);

  auto again = RunMigrations(d, kSteps, "db");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->applied.empty());
}

TEST(MigrationRunnerTest, AFailingStepIsRolledBackAndLeavesTheVersionWhereItWas) {
  FakeDialect d;
  d.fail_version = 2;
  auto r = RunMigrations(d, kSteps, "db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().message(), "migration 2 (two) failed: no such column: x");
  ASSERT_EQ(d.recorded.size(), 1u);
  EXPECT_EQ(d.recorded.back().first, 1);
  EXPECT_EQ(d.calls.back(), "rollback");
  for (const std::string& c : d.calls) EXPECT_NE(c, "apply 3");  // nothing after it ran

  d.fail_version = 0;  // fixed: the next run resumes at the failed step
  auto retry = RunMigrations(d, kSteps, "db");
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->applied, (std::vector<int>{2, 3}));
}

TEST(MigrationRunnerTest, ANewerDatabaseIsRefusedUntouched) {
  FakeDialect d;
  d.recorded = {{1, 0}, {2, 0}, {3, 0}, {4, 0}};
  auto r = RunMigrations(d, kSteps, "db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "database schema version 4 is newer than this em-metrics (3): upgrade em-metrics");
  EXPECT_EQ(d.calls, (std::vector<std::string>{"node?", "table", "version?"}));
}

TEST(MigrationRunnerTest, ANodeJsDatabaseIsRefusedBeforeAnyTableIsCreated) {
  FakeDialect d;
  d.node_js = true;
  auto r = RunMigrations(d, kSteps, "/data/old.db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message().rfind("/data/old.db was created by the Node.js em-metrics", 0),
            0u);
  EXPECT_NE(r.status().message().find("use another database"), std::string::npos);
  EXPECT_EQ(d.calls, (std::vector<std::string>{"node?"}));
}

TEST(MigrationRunnerTest, AnUnreadableVersionIsReturnedAsIs) {
  FakeDialect d;
  d.version_read = Status::Unavailable("database is locked");
  auto r = RunMigrations(d, kSteps, "db");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(d.calls.back(), "version?");
}

}  // namespace
}  // namespace emm::storage
