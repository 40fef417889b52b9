#include "storage/sqlite/sqlite_event_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "domain/commands.h"
#include "domain/pull_requests.h"
#include "storage/sqlite/migrations.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::DeploymentStatus;
using domain::Incident;
using domain::MetricKind;
using domain::SeriesKey;
using domain::SeriesState;
using domain::Transaction;
using testing::TempDir;

constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr TimeMs kHour = 3600 * 1000;

Deployment MakeDeployment(std::string id, std::string project = "p1",
                          std::optional<TimeMs> deployed_at = std::nullopt,
                          std::string env = "production") {
  Deployment d;
  d.id = std::move(id);
  d.project_id = std::move(project);
  d.team_id = "team";
  d.environment = std::move(env);
  d.first_commit_at = kT0 - 2 * kHour;
  d.deploy_start_at = kT0 - kHour;
  d.deployed_at = deployed_at;
  d.status = deployed_at ? DeploymentStatus::kDeployed : DeploymentStatus::kStarted;
  d.created_at = kT0 - kHour;
  return d;
}

Incident MakeIncident(std::string id, TimeMs started_at, std::optional<TimeMs> restored_at,
                      std::optional<TimeMs> finished_at, std::string project = "p1") {
  Incident i;
  i.id = std::move(id);
  i.project_id = std::move(project);
  i.environment = "production";
  i.started_at = started_at;
  i.restored_at = restored_at;
  i.finished_at = finished_at;
  i.created_at = started_at;
  return i;
}

std::vector<std::string> Ids(const std::vector<Deployment>& v) {
  std::vector<std::string> out;
  for (const auto& d : v) out.push_back(d.id);
  return out;
}

std::vector<std::string> Ids(const std::vector<Incident>& v) {
  std::vector<std::string> out;
  for (const auto& i : v) out.push_back(i.id);
  return out;
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

  void Insert(SqliteEventStore& store, const std::vector<Deployment>& ds) {
    Status s = Run(store, [&](Transaction& tx) {
      for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Insert(SqliteEventStore& store, const std::vector<Incident>& is) {
    Status s = Run(store, [&](Transaction& tx) {
      for (const auto& i : is) EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  TempDir dir_;
  std::string path_ = dir_.File("data/nested/em-metrics.db");
};

// --- Open and migrations ---

// The versions of the migrations from `first` on; they must be numbered 1, 2, 3, ... in order.
std::vector<int> VersionsFrom(int first) {
  std::vector<int> out;
  int expected = 1;
  for (const auto& m : sqlite::Migrations()) {
    EXPECT_EQ(m.version, expected++) << m.name;
    if (m.version >= first) out.push_back(m.version);
  }
  return out;
}
const int kLatest = static_cast<int>(sqlite::Migrations().size());

TEST_F(SqliteEventStoreTest, OpenCreatesParentDirectoriesAndAppliesEveryMigration) {
  ASSERT_FALSE(std::filesystem::exists(dir_.path() / "data"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  EXPECT_EQ(store->applied_migrations(), VersionsFrom(1));
  EXPECT_EQ(store->schema_version(), kLatest);
}

TEST_F(SqliteEventStoreTest, ReopenAppliesNoMigration) {
  OpenStore().reset();
  auto again = OpenStore();
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->applied_migrations().empty());
  EXPECT_EQ(again->schema_version(), kLatest);
}

void ExecRaw(const std::string& path, const char* sql);

// A database written by the first release (schema 1) is upgraded in place, its data kept.
TEST_F(SqliteEventStoreTest, ASchemaOneDatabaseIsUpgradedInPlace) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::string v1 = std::string(sqlite::Migrations()[0].sql) +
                   "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                   "NULL, applied_at INTEGER NOT NULL);"
                   "INSERT INTO schema_migrations VALUES (1, 'events and metric state', 0);"
                   "INSERT INTO deployments (id, project_id, environment, first_commit_at, "
                   "deploy_start_at, deployed_at, status, created_at) "
                   "VALUES ('kept', 'p1', 'e', 1, 2, 3, 'deployed', 1);"
                   "INSERT INTO incidents (id, project_id, environment, deployment_id, started_at, "
                   "restored_at, created_at) VALUES ('a', 'p1', 'e', 'kept', 4, 20, 4), "
                   "('b', 'p1', 'e', 'kept', 5, 10, 5), ('c', 'p1', 'e', 'kept', 6, NULL, 6);";
  ExecRaw(path_, v1.c_str());
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->applied_migrations(), VersionsFrom(2));
  auto kept = store->GetDeployment("kept");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->kind, domain::DeploymentKind::kPlanned);
  EXPECT_EQ((*kept)->commit_sha, "");
  // The failure facts are filled in from the incidents already stored.
  EXPECT_TRUE((*kept)->failed);
  EXPECT_EQ((*kept)->recovered_at, 10);
  auto marks = store->ListExportMarks();
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  EXPECT_TRUE(marks->empty());
}

// The DORA reads: each list by its own time column, [from, to) with `to` excluded, and every
// filter applied to the right table (a linked incident follows its deployment's attributes).
TEST_F(SqliteEventStoreTest, DoraEventsSelectByTheirOwnTimesAndFilters) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const TimeMs from = kT0, to = kT0 + 10 * kHour;
  std::vector<Deployment> ds = {
      MakeDeployment("edge-in", "p1", from),            // on `from`: in
      MakeDeployment("edge-out", "p1", to),             // on `to`: out
      MakeDeployment("other-project", "p2", from + 1),  // filtered by project
      MakeDeployment("staging", "p1", from + 2, "staging"), MakeDeployment("never-deployed", "p1")};
  Incident linked = MakeIncident("linked", to + kHour, std::nullopt, std::nullopt);
  linked.deployment_id = "edge-in";  // starts after the range: still a failure of edge-in
  Incident restored = MakeIncident("restored", from - kHour, from + kHour, std::nullopt);
  Incident detected = MakeIncident("detected", from + 3 * kHour, std::nullopt, std::nullopt);
  detected.deployment_id = "edge-out";  // started in range; its deployment deployed later
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
                EMM_RETURN_IF_ERROR(tx.InsertIncident(linked));
                EMM_RETURN_IF_ERROR(tx.InsertIncident(restored));
                return tx.InsertIncident(detected);
              }).ok());

  DoraQuery q{from, to, {"p1"}, {}, {"production"}};
  auto e = store->LoadDoraEvents(q);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->deployed.size(), 1u);
  EXPECT_EQ(e->deployed[0].id, "edge-in");
  EXPECT_FALSE(e->deployed[0].failed);  // inserted directly: no command marked it
  ASSERT_EQ(e->restored.size(), 1u);
  EXPECT_EQ(e->restored[0].id, "restored");
  ASSERT_EQ(e->detected.size(), 1u);
  EXPECT_EQ(e->detected[0].first.id, "detected");
  EXPECT_EQ(e->detected[0].second, to);

  // No filter: every project and environment; a team nobody has: nothing.
  auto all = store->LoadDoraEvents({from, to, {}, {}, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->deployed.size(), 3u);
  auto none = store->LoadDoraEvents({from, to, {}, {"nobody"}, {}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->deployed.empty());
  EXPECT_TRUE(none->restored.empty());
  // Several values, one with a quote (bound as JSON, never spliced into SQL).
  auto two = store->LoadDoraEvents({from, to, {"p2", "x\"y", "p1"}, {}, {}});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->deployed.size(), 3u);
}

// Facts as comparable rows: the group spelled out, sorted.
std::vector<std::string> Rows(const domain::DoraFacts& f) {
  std::vector<std::string> out;
  auto group = [&](uint32_t g) {
    const auto& x = f.groups.at(g);
    return x.project_id + "/" + x.team_id + "/" + x.environment;
  };
  for (const auto& d : f.deployed) {
    out.push_back("D " + group(d.group) + " " + std::to_string(d.deployed_at) + " " +
                  std::to_string(d.first_commit_at.value_or(-1)) + " " +
                  std::to_string(d.deploy_start_at) +
                  " " + std::to_string(d.recovered_at.value_or(-1)) + " " +
                  std::to_string(d.failed) + std::to_string(d.rework));
  }
  for (const auto& i : f.restored) {
    out.push_back("R " + group(i.group) + " " + std::to_string(i.started_at) + " " +
                  std::to_string(i.restored_at));
  }
  for (const auto& i : f.detected) {
    out.push_back("T " + group(i.group) + " " + std::to_string(i.started_at) + " " +
                  std::to_string(i.deployed_at));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The fast reader (group-led indexes, facts) returns exactly what the full-record reader does,
// for every filter and both linking rules, on a mixed dataset.
TEST_F(SqliteEventStoreTest, DoraFactsMatchTheFullRecords) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> projects = {"p1", "p2", "p3"}, teams = {"", "a", "b"},
                                  envs = {"production", "staging"};
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<int64_t>(x % n);
  };
  std::vector<Deployment> ds;
  std::vector<Incident> is;
  for (int k = 0; k < 300; ++k) {
    Deployment d = MakeDeployment("d" + std::to_string(k), projects[rnd(3)],
                                  rnd(10) == 0 ? std::nullopt
                                               : std::optional<TimeMs>(kT0 + rnd(48) * kHour),
                                  envs[rnd(2)]);
    d.team_id = teams[rnd(3)];
    d.first_commit_at = kT0 - rnd(100) * kHour;
    d.deploy_start_at = kT0 - rnd(5) * kHour;
    d.kind = static_cast<domain::DeploymentKind>(rnd(3));
    d.failed = rnd(4) == 0;
    if (d.failed && rnd(2)) d.recovered_at = kT0 + rnd(60) * kHour;
    ds.push_back(d);
  }
  for (int k = 0; k < 200; ++k) {
    const TimeMs started = kT0 + rnd(50) * kHour;
    Incident i = MakeIncident("i" + std::to_string(k), started,
                              rnd(3) ? std::optional<TimeMs>(started + rnd(10) * kHour)
                                     : std::nullopt,
                              std::nullopt, projects[rnd(3)]);
    i.team_id = teams[rnd(3)];
    i.environment = envs[rnd(2)];
    if (rnd(2)) i.deployment_id = ds[static_cast<size_t>(rnd(300))].id;
    is.push_back(i);
  }
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (const auto& d : ds) EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
                for (const auto& i : is) EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
                return Status::Ok();
              }).ok());
  // Later transitions: deployments deployed after incidents were linked to them (their
  // detection time now exists), and deployments moved to a team no row had before.
  size_t deployed_later = 0, moved = 0;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                for (size_t k = 0; k < ds.size(); ++k) {
                  Deployment& d = ds[k];
                  if (!d.deployed_at) {
                    d.deployed_at = kT0 + rnd(40) * kHour;
                    d.status = DeploymentStatus::kDeployed;
                    ++deployed_later;
                  } else if (k % 7 == 0) {
                    d.team_id = "c";
                    ++moved;
                  } else {
                    continue;
                  }
                  EMM_RETURN_IF_ERROR(tx.UpdateDeployment(d));
                }
                return Status::Ok();
              }).ok());
  ASSERT_GT(deployed_later, 10u);
  ASSERT_GT(moved, 10u);

  const TimeMs from = kT0 + 10 * kHour, to = kT0 + 30 * kHour;
  const std::vector<DoraQuery> queries = {
      {from, to, {}, {}, {}},
      {from, to, {"p2"}, {}, {}},
      {from, to, {}, {"a"}, {}},
      {from, to, {}, {""}, {"staging"}},
      {from, to, {"p1", "p3"}, {"a", "b"}, {"production"}},
      {from, to, {}, {"c"}, {}},
      {kT0 - 100 * kHour, kT0 + 100 * kHour, {}, {}, {}},
  };
  size_t nonempty = 0;
  for (bool link : {false, true}) {
    for (DoraQuery q : queries) {
      q.link_previous = link;
      auto events = store->LoadDoraEvents(q);
      auto facts = store->LoadDoraFacts(q);
      ASSERT_TRUE(events.ok()) << events.status().ToString();
      ASSERT_TRUE(facts.ok()) << facts.status().ToString();
      EXPECT_EQ(Rows(*facts), Rows(domain::FactsOf(*events)))
          << "projects " << q.projects.size() << " teams " << q.teams.size() << " link " << link;
      if (!facts->deployed.empty() && !facts->restored.empty() && !facts->detected.empty()) {
        ++nonempty;
      }
    }
  }
  EXPECT_GE(nonempty, 6u);  // the comparison is not between empty sets
}

// A deployment row written by hand (no packed dora_fact) is read from its columns: the figures
// match the full records instead of failing the whole range.
TEST_F(SqliteEventStoreTest, DoraFactsOfAHandWrittenRowComeFromItsColumns) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("by-api", "p1", kT0 + kHour)});
  const std::string hand =
      "INSERT INTO deployments (id, project_id, team_id, environment, first_commit_at, "
      "deploy_start_at, deployed_at, status, created_at, kind, commit_sha, failed, recovered_at) "
      "VALUES ('by-hand', 'p1', 'team', 'production', " + std::to_string(kT0 - 3 * kHour) + ", " +
      std::to_string(kT0 - kHour) + ", " + std::to_string(kT0 + 2 * kHour) + ", 'deployed', " +
      std::to_string(kT0) + ", 'hotfix', '', 1, " + std::to_string(kT0 + 5 * kHour) + ")";
  ExecRaw(path_, hand.c_str());
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  auto events = store->LoadDoraEvents(q);
  auto facts = store->LoadDoraFacts(q);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  ASSERT_EQ(facts->deployed.size(), 2u);
  EXPECT_EQ(Rows(*facts), Rows(domain::FactsOf(*events)));
  const auto& by_hand = facts->deployed[1];  // deployed after by-api
  EXPECT_EQ(by_hand.first_commit_at, kT0 - 3 * kHour);
  EXPECT_TRUE(by_hand.failed);
  EXPECT_TRUE(by_hand.rework);
  EXPECT_EQ(by_hand.recovered_at, std::optional<TimeMs>(kT0 + 5 * kHour));
}

// link=previous_deployment picks, for an incident without a deployment, the latest deployment of
// its project and environment deployed at or before it started, whichever team deployed it (the
// teams' groups are searched one by one and the latest wins; ties go to the greater id).
// Never-deployed deployments for an explanation: started in the range, oldest first then by id,
// read a window at a time; deployed ones and those started outside the range are not listed.
TEST_F(SqliteEventStoreTest, ListUndeployedReadsAWindowInStartOrder) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto started = [](std::string id, TimeMs start) {
    Deployment d = MakeDeployment(std::move(id));
    d.deploy_start_at = start;
    d.first_commit_at = start - kHour;
    return d;
  };
  Insert(*store, std::vector<Deployment>{
                     started("c", kT0 + 2 * kHour), started("a", kT0 + kHour),
                     started("b", kT0 + 2 * kHour), started("before", kT0 - kHour),
                     started("d", kT0 + 3 * kHour), MakeDeployment("deployed", "p1", kT0 + kHour),
                 });
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  auto ids = [&](int64_t offset, int64_t limit) {
    std::vector<std::string> out;
    auto got = store->ListUndeployed(q, offset, limit);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (got.ok()) {
      for (const auto& d : *got) out.push_back(d.id);
    }
    return out;
  };
  EXPECT_EQ(ids(0, 10), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(ids(1, 2), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ids(3, 5), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(ids(4, 5).empty());
}

TEST_F(SqliteEventStoreTest, PreviousDeploymentIsTheLatestAcrossTeams) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto deploy = [](std::string id, std::string team, std::string env, TimeMs at) {
    Deployment d = MakeDeployment(std::move(id), "px", at, std::move(env));
    d.team_id = std::move(team);
    return d;
  };
  Insert(*store, std::vector<Deployment>{
                     deploy("a-1h", "a", "production", kT0 + kHour),
                     deploy("b-2h", "b", "production", kT0 + 2 * kHour),
                     deploy("b-3h-staging", "b", "staging", kT0 + 3 * kHour),
                     deploy("a-4h", "a", "production", kT0 + 4 * kHour),
                     deploy("tie-a", "a", "production", kT0 + 6 * kHour),
                     deploy("tie-b", "", "production", kT0 + 6 * kHour),
                 });
  auto incident = [](std::string id, TimeMs started, std::string env) {
    Incident i = MakeIncident(std::move(id), started, std::nullopt, std::nullopt, "px");
    i.environment = std::move(env);
    return i;
  };
  Insert(*store, std::vector<Incident>{
                     incident("before-any", kT0 + kHour / 2, "production"),
                     incident("at-3h", kT0 + 3 * kHour, "production"),
                     incident("at-5h", kT0 + 5 * kHour, "production"),
                     incident("staging-4h", kT0 + 4 * kHour, "staging"),
                     incident("at-tie", kT0 + 6 * kHour, "production"),
                     incident("exactly-4h", kT0 + 4 * kHour, "production"),
                 });
  DoraQuery q{kT0, kT0 + 10 * kHour, {}, {}, {}};
  q.link_previous = true;
  auto events = store->LoadDoraEvents(q);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  std::map<std::string, std::string> linked;
  for (const auto& [i, deployed_at] : events->detected) linked[i.id] = *i.deployment_id;
  EXPECT_EQ(linked, (std::map<std::string, std::string>{{"at-3h", "b-2h"},
                                                        {"at-5h", "a-4h"},
                                                        {"staging-4h", "b-3h-staging"},
                                                        {"at-tie", "tie-b"},
                                                        {"exactly-4h", "a-4h"}}));
}

TEST_F(SqliteEventStoreTest, ExportMarksAreReplacedPerSeries) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::ExportMark m;
  m.key = {"lead_time_for_changes", "p", "", "prod"};
  m.series_start_ms = 10;
  m.acked_ms = 20;
  m.count = 3;
  m.sum = 4.5;
  m.buckets = {1, 2, 0};
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(m); }).ok());
  m.acked_ms = 30;
  m.count = 4;
  m.buckets = {1, 2, 1};
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(m); }).ok());
  domain::ExportMark other = m;
  other.key.project_id = "q";
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(other); }).ok());
  auto marks = store->ListExportMarks();
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ(marks->size(), 2u);
  const domain::ExportMark& got = marks->front().key.project_id == "p" ? (*marks)[0] : (*marks)[1];
  EXPECT_EQ(got.key, m.key);
  EXPECT_EQ(got.series_start_ms, 10);
  EXPECT_EQ(got.acked_ms, 30);
  EXPECT_EQ(got.count, 4u);
  EXPECT_DOUBLE_EQ(got.sum, 4.5);
  EXPECT_EQ(got.buckets, (std::vector<uint64_t>{1, 2, 1}));
}

void ExecRaw(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST_F(SqliteEventStoreTest, RefusesANodeJsDatabase) {
  std::string node_db = dir_.File("node.db");
  ExecRaw(node_db, "CREATE TABLE db_migrations (id INTEGER PRIMARY KEY, name TEXT)");
  SqliteOptions o;
  o.path = node_db;
  auto r = SqliteEventStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("db_migrations"), std::string::npos);
}

TEST_F(SqliteEventStoreTest, AcceptsDbMigrationsNextToSchemaMigrations) {
  OpenStore().reset();
  ExecRaw(path_, "CREATE TABLE db_migrations (id INTEGER PRIMARY KEY)");
  auto store = OpenStore();
  EXPECT_NE(store, nullptr);
}

TEST_F(SqliteEventStoreTest, RefusesANewerSchema) {
  OpenStore().reset();
  ExecRaw(path_, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 0)");
  SqliteOptions o;
  o.path = path_;
  auto r = SqliteEventStore::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

// --- RunBatch ---

TEST_F(SqliteEventStoreTest, FailedItemLeavesNothingWhileOthersCommit) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<EventStore::Work> batch;
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("a")); });
  batch.push_back([](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("b")));
    SeriesState s = SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p", "", "e"}, 1);
    EMM_RETURN_IF_ERROR(tx.PutSeries(s));
    return Status::InvalidArgument("x", "changed my mind");
  });
  batch.push_back([](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("c")));
    throw std::runtime_error("boom");
  });
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("d")); });

  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results[2].code(), StatusCode::kInternal);
  EXPECT_NE(results[2].message().find("boom"), std::string::npos);
  EXPECT_TRUE(results[3].ok()) << results[3].ToString();

  for (const char* id : {"a", "d"}) {
    auto got = store->GetDeployment(id);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->has_value()) << id;
  }
  for (const char* id : {"b", "c"}) {
    auto got = store->GetDeployment(id);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value()) << id;
  }
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  EXPECT_TRUE(series->empty());
}

TEST_F(SqliteEventStoreTest, DuplicateDeploymentIsAlreadyExists) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("a")});
  Status s = Run(*store, [](Transaction& tx) {
    return tx.InsertDeployment(MakeDeployment("a", "other-project"));
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  auto got = store->GetDeployment("a");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->project_id, "p1");
}

TEST_F(SqliteEventStoreTest, DuplicateWithinOneBatchFailsOnlyTheSecondItem) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<EventStore::Work> batch;
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("x")); });
  batch.push_back([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("x", "p2")); });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kAlreadyExists);
  auto got = store->GetDeployment("x");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->project_id, "p1");
}

TEST_F(SqliteEventStoreTest, EmptyBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->RunBatch({}).empty());
}

TEST_F(SqliteEventStoreTest, IncidentMustReferenceAnExistingDeployment) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Incident i = MakeIncident("i1", kT0, std::nullopt, std::nullopt);
  i.deployment_id = "missing";
  Status s = Run(*store, [&](Transaction& tx) { return tx.InsertIncident(i); });
  EXPECT_FALSE(s.ok());
  auto got = store->GetIncident("i1");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(SqliteEventStoreTest, DeploymentRoundTripAndUpdate) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Deployment d = MakeDeployment("d1");
  d.team_id = "";
  Insert(*store, std::vector<Deployment>{d});
  auto got = store->GetDeployment("d1");
  ASSERT_TRUE(got.ok() && got->has_value());
  const Deployment& g = **got;
  EXPECT_EQ(g.project_id, "p1");
  EXPECT_EQ(g.team_id, "");
  EXPECT_EQ(g.environment, "production");
  EXPECT_EQ(g.first_commit_at, d.first_commit_at);
  EXPECT_EQ(g.deploy_start_at, d.deploy_start_at);
  EXPECT_FALSE(g.deployed_at.has_value());
  EXPECT_EQ(g.status, DeploymentStatus::kStarted);
  EXPECT_EQ(g.created_at, d.created_at);

  d.deployed_at = kT0;
  d.status = DeploymentStatus::kDeployed;
  d.team_id = "t2";
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.UpdateDeployment(d); }).ok());
  got = store->GetDeployment("d1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->deployed_at, kT0);
  EXPECT_EQ((*got)->status, DeploymentStatus::kDeployed);
  EXPECT_EQ((*got)->team_id, "t2");

  auto missing = store->GetDeployment("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SqliteEventStoreTest, IncidentRoundTripAndCounts) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("d1"), MakeDeployment("d2")});
  Incident a = MakeIncident("a", kT0, kT0 + kHour, std::nullopt);
  a.deployment_id = "d1";
  a.team_id = "t";
  Incident b = MakeIncident("b", kT0, std::nullopt, std::nullopt);
  b.deployment_id = "d1";
  Incident c = MakeIncident("c", kT0, std::nullopt, std::nullopt, "p2");
  Insert(*store, std::vector<Incident>{a, b, c});

  auto got = store->GetIncident("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->deployment_id, "d1");
  EXPECT_EQ((*got)->team_id, "t");
  EXPECT_EQ((*got)->restored_at, kT0 + kHour);
  EXPECT_FALSE((*got)->finished_at.has_value());
  auto gc = store->GetIncident("c");
  ASSERT_TRUE(gc.ok() && gc->has_value());
  EXPECT_FALSE((*gc)->deployment_id.has_value());

  int64_t of_d1 = -1, of_d2 = -1, of_p1 = -1, of_p2 = -1;
  Status s = Run(*store, [&](Transaction& tx) {
    of_d1 = *tx.CountIncidentsOfDeployment("d1");
    of_d2 = *tx.CountIncidentsOfDeployment("d2");
    of_p1 = *tx.CountIncidentsOfProject("p1");
    of_p2 = *tx.CountIncidentsOfProject("p2");
    Incident changed = a;
    changed.finished_at = kT0 + 2 * kHour;
    return tx.UpdateIncident(changed);
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(of_d1, 2);
  EXPECT_EQ(of_d2, 0);
  EXPECT_EQ(of_p1, 2);
  EXPECT_EQ(of_p2, 1);
  got = store->GetIncident("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->finished_at, kT0 + 2 * kHour);
}

TEST_F(SqliteEventStoreTest, ForEachVisitsInCreationOrder) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Creation time first, then id: the order the rebuild replays events in.
  Deployment z = MakeDeployment("z"), a = MakeDeployment("a"), m = MakeDeployment("m"),
             b = MakeDeployment("b");
  z.created_at = kT0 - 3 * kHour;
  a.created_at = kT0 - 2 * kHour;
  m.created_at = kT0 - 1 * kHour;
  b.created_at = kT0 - 1 * kHour;
  Insert(*store, std::vector<Deployment>{m, a, z, b});
  Insert(*store,
         std::vector<Incident>{MakeIncident("i2", kT0, std::nullopt, std::nullopt),
                               MakeIncident("i1", kT0 - kHour, std::nullopt, std::nullopt)});
  std::vector<std::string> deployments, incidents;
  Status s = Run(*store, [&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.ForEachDeployment([&](const Deployment& d) {
      deployments.push_back(d.id);
      return Status::Ok();
    }));
    return tx.ForEachIncident([&](const Incident& i) {
      incidents.push_back(i.id);
      return Status::Ok();
    });
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(deployments, (std::vector<std::string>{"z", "a", "b", "m"}));
  EXPECT_EQ(incidents, (std::vector<std::string>{"i1", "i2"}));  // created_at = started_at here
}

TEST_F(SqliteEventStoreTest, ForEachStopsAtTheFirstError) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("a"), MakeDeployment("b")});
  int visited = 0;
  Status s = Run(*store, [&](Transaction& tx) {
    return tx.ForEachDeployment([&](const Deployment&) {
      ++visited;
      return Status::NotFound("stop");
    });
  });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(visited, 1);
}

// --- ListDeployments ---

class ListDeploymentsTest : public SqliteEventStoreTest {
 protected:
  void SetUp() override {
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    Insert(*store_, std::vector<Deployment>{
                        MakeDeployment("d-late", "p1", kT0 + 3 * kHour),
                        MakeDeployment("started-b", "p1"),
                        MakeDeployment("d-b", "p1", kT0 + kHour),
                        MakeDeployment("d-a", "p1", kT0 + kHour),
                        MakeDeployment("d-early", "p2", kT0, "staging"),
                        MakeDeployment("started-a", "p2"),
                        MakeDeployment("d-mid", "p2", kT0 + 2 * kHour),
                    });
  }

  std::vector<std::string> List(const DeploymentQuery& q) {
    auto r = store_->ListDeployments(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  }

  std::unique_ptr<SqliteEventStore> store_;
};

TEST_F(ListDeploymentsTest, OrderedByDeployedAtThenIdWithNotDeployedLast) {
  EXPECT_EQ(List({}), (std::vector<std::string>{"d-early", "d-a", "d-b", "d-mid", "d-late",
                                                "started-a", "started-b"}));
}

TEST_F(ListDeploymentsTest, FilterByProject) {
  DeploymentQuery q;
  q.project_id = "p2";
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-early", "d-mid", "started-a"}));
}

TEST_F(ListDeploymentsTest, FilterByEnvironment) {
  DeploymentQuery q;
  q.environment = "staging";
  EXPECT_EQ(List(q), std::vector<std::string>{"d-early"});
  q.environment = "production";
  q.project_id = "p2";
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-mid", "started-a"}));
}

TEST_F(ListDeploymentsTest, FromIsInclusiveToIsExclusive) {
  DeploymentQuery q;
  q.from = kT0 + kHour;
  q.to = kT0 + 3 * kHour;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-a", "d-b", "d-mid"}));
  DeploymentQuery only_from;
  only_from.from = kT0 + 2 * kHour;
  EXPECT_EQ(List(only_from), (std::vector<std::string>{"d-mid", "d-late"}));
  DeploymentQuery only_to;
  only_to.to = kT0 + kHour;
  EXPECT_EQ(List(only_to), std::vector<std::string>{"d-early"});
}

TEST_F(ListDeploymentsTest, LimitAndOffsetPage) {
  DeploymentQuery q;
  q.limit = 3;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-early", "d-a", "d-b"}));
  q.offset = 3;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-mid", "d-late", "started-a"}));
  q.offset = 6;
  EXPECT_EQ(List(q), std::vector<std::string>{"started-b"});
  q.offset = 7;
  EXPECT_TRUE(List(q).empty());
}

TEST_F(ListDeploymentsTest, PagingWithAnyPageSizeWalksTheSameOrder) {
  for (std::optional<std::string> project :
       {std::optional<std::string>(), std::optional<std::string>("p1")}) {
    DeploymentQuery all;
    all.project_id = project;
    all.limit = 100;
    const std::vector<std::string> expected = List(all);
    for (int64_t limit = 1; limit <= 8; ++limit) {
      std::vector<std::string> walked;
      for (int64_t offset = 0; offset < 10; offset += limit) {
        DeploymentQuery q;
        q.project_id = project;
        q.limit = limit;
        q.offset = offset;
        for (auto& id : List(q)) walked.push_back(id);
      }
      EXPECT_EQ(walked, expected) << "limit " << limit;
    }
  }
}

TEST_F(ListDeploymentsTest, AllFiltersTogether) {
  DeploymentQuery q;
  q.project_id = "p1";
  q.environment = "production";
  q.from = kT0;
  q.to = kT0 + 4 * kHour;
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(List(q), (std::vector<std::string>{"d-b", "d-late"}));
}

// A project's deployed deployments are read group by group ((team, project, environment)) and
// merged: the order across groups, ties on deployed_at, paging and filters must be as one list.
TEST_F(ListDeploymentsTest, AProjectSpreadOverTeamsAndEnvironmentsIsOneOrderedList) {
  std::vector<Deployment> many;
  auto add = [&](std::string id, std::string team, std::string env, std::optional<TimeMs> at) {
    Deployment d = MakeDeployment(std::move(id), "p3", at, std::move(env));
    d.team_id = std::move(team);
    many.push_back(std::move(d));
  };
  add("x-5", "blue", "production", kT0 + 5 * kHour);
  add("x-1", "red", "production", kT0 + kHour);
  add("x-3b", "red", "staging", kT0 + 3 * kHour);
  add("x-3a", "blue", "staging", kT0 + 3 * kHour);  // tie across groups: by id
  add("x-2", "", "production", kT0 + 2 * kHour);    // no team
  add("x-4", "red", "production", kT0 + 4 * kHour);
  add("x-started", "blue", "production", std::nullopt);
  Insert(*store_, many);

  DeploymentQuery q;
  q.project_id = "p3";
  const std::vector<std::string> all{"x-1", "x-2", "x-3a", "x-3b", "x-4", "x-5", "x-started"};
  EXPECT_EQ(List(q), all);
  for (int64_t limit = 1; limit <= 4; ++limit) {
    std::vector<std::string> walked;
    for (int64_t offset = 0; offset < 9; offset += limit) {
      DeploymentQuery page = q;
      page.limit = limit;
      page.offset = offset;
      for (auto& id : List(page)) walked.push_back(id);
    }
    EXPECT_EQ(walked, all) << "limit " << limit;
  }
  q.environment = "staging";
  EXPECT_EQ(List(q), (std::vector<std::string>{"x-3a", "x-3b"}));
  q.environment = "production";
  q.from = kT0 + 2 * kHour;
  q.to = kT0 + 5 * kHour;
  EXPECT_EQ(List(q), (std::vector<std::string>{"x-2", "x-4"}));
  DeploymentQuery unknown;
  unknown.project_id = "nobody";
  EXPECT_TRUE(List(unknown).empty());
}

// More groups than are merged one by one: the filtered query gives the same list.
TEST_F(ListDeploymentsTest, AProjectWithManyGroupsIsListedTheSameWay) {
  std::vector<Deployment> many;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "m-%02d", i);
    Deployment d = MakeDeployment(id, "p4", kT0 + (i / 2) * kHour);
    d.team_id = "team-" + std::to_string(i);  // a group each
    many.push_back(d);
    expected.push_back(id);
  }
  Insert(*store_, many);
  DeploymentQuery q;
  q.project_id = "p4";
  q.limit = 100;
  EXPECT_EQ(List(q), expected);
  q.limit = 5;
  q.offset = 10;
  EXPECT_EQ(List(q), std::vector<std::string>(expected.begin() + 10, expected.begin() + 15));
}

// --- ListIncidents ---

TEST_F(SqliteEventStoreTest, ListIncidentsFilters) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Incident>{
                     MakeIncident("open", kT0 + 2 * kHour, std::nullopt, std::nullopt),
                     MakeIncident("restored", kT0 + kHour, kT0 + 2 * kHour, std::nullopt),
                     MakeIncident("done", kT0, kT0 + kHour, kT0 + 2 * kHour),
                     MakeIncident("other-open", kT0, std::nullopt, std::nullopt, "p2"),
                 });
  auto list = [&](IncidentFilter f, std::optional<std::string> project = std::nullopt) {
    IncidentQuery q;
    q.filter = f;
    q.project_id = std::move(project);
    auto r = store->ListIncidents(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(list(IncidentFilter::kAll),
            (std::vector<std::string>{"done", "other-open", "restored", "open"}));
  EXPECT_EQ(list(IncidentFilter::kInProgress), (std::vector<std::string>{"other-open", "open"}));
  EXPECT_EQ(list(IncidentFilter::kUnfinished),
            (std::vector<std::string>{"other-open", "restored", "open"}));
  EXPECT_EQ(list(IncidentFilter::kInProgress, "p1"), std::vector<std::string>{"open"});
  EXPECT_EQ(list(IncidentFilter::kAll, "p2"), std::vector<std::string>{"other-open"});
  EXPECT_TRUE(list(IncidentFilter::kAll, "p3").empty());
}

// --- metric series ---

SeriesState MakeHistogram() {
  SeriesState s = SeriesState::Empty(domain::kLeadTimeForChanges,
                                     {"lead_time_for_changes", "p1", "team", "production"}, kT0);
  s.Fold(30, kT0 + 1);
  s.Fold(90.5, kT0 + 2);
  s.Fold(365 * 86400.0, kT0 + 3);
  return s;
}

void ExpectSameSeries(const SeriesState& got, const SeriesState& want) {
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

TEST_F(SqliteEventStoreTest, SeriesRoundTrip) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  SeriesState counter =
      SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p1", "", "production"}, kT0);
  counter.Fold(1, kT0 + 5);
  counter.Fold(1, kT0 + 6);

  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                EMM_RETURN_IF_ERROR(tx.PutSeries(hist));
                return tx.PutSeries(counter);
              }).ok());

  std::optional<SeriesState> found_hist, found_missing;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                auto h = tx.FindSeries(hist.key);
                if (!h.ok()) return h.status();
                found_hist = *h;
                auto m = tx.FindSeries({"lead_time_for_changes", "p1", "", "production"});
                if (!m.ok()) return m.status();
                found_missing = *m;
                return Status::Ok();
              }).ok());
  ASSERT_TRUE(found_hist.has_value());
  ExpectSameSeries(*found_hist, hist);
  EXPECT_EQ(found_hist->buckets.size(), domain::DurationBucketBounds().size() + 1);
  EXPECT_EQ(found_hist->buckets.back(), 1u);
  EXPECT_FALSE(found_missing.has_value());

  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  // Ordered by metric name.
  ExpectSameSeries((*all)[0], counter);
  ExpectSameSeries((*all)[1], hist);
  EXPECT_TRUE((*all)[0].buckets.empty());
}

TEST_F(SqliteEventStoreTest, PutSeriesReplacesAndClearSeriesEmpties) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  hist.Fold(10, kT0 + 10);
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].count, 4u);
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.ClearSeries(); }).ok());
  all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(SqliteEventStoreTest, SeriesChangesOfAFailedItemAreUndoneWithinTheBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const SeriesKey a{"incident_count", "p", "", "e"};
  const SeriesKey b{"incident_count", "q", "", "e"};
  // Adds one to series `key` (creating it), as domain::Record does.
  auto bump = [](Transaction& tx, const SeriesKey& key) -> Status {
    auto found = tx.FindSeries(key);
    if (!found.ok()) return found.status();
    SeriesState st =
        found->has_value() ? **found : SeriesState::Empty(domain::kIncidentCount, key, 1);
    st.Fold(1, 2);
    return tx.PutSeries(st);
  };
  std::optional<uint64_t> seen_by_third;
  std::vector<EventStore::Work> batch;
  batch.push_back([&](Transaction& tx) { return bump(tx, a); });
  batch.push_back([&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(bump(tx, a));
    EMM_RETURN_IF_ERROR(tx.ClearSeries());
    EMM_RETURN_IF_ERROR(bump(tx, b));
    return Status::Internal("fail after clearing");
  });
  batch.push_back([&](Transaction& tx) -> Status {
    auto found = tx.FindSeries(a);
    if (!found.ok()) return found.status();
    if (found->has_value()) seen_by_third = (*found)->count;
    return bump(tx, a);
  });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].code(), StatusCode::kInternal);
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  EXPECT_EQ(seen_by_third, 1u);  // the failed item's bump and clear are invisible

  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, a);
  EXPECT_EQ((*all)[0].count, 2u);

  // A later batch builds on the committed state.
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return bump(tx, a); }).ok());
  all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].count, 3u);
}

TEST_F(SqliteEventStoreTest, ClearSeriesOfACommittedItemDeletesStoredRows) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  SeriesState other =
      SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p", "", "e"}, 1);
  std::vector<EventStore::Work> batch;
  batch.push_back([&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.ClearSeries());
    return tx.PutSeries(other);
  });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].ok()) << results[0].ToString();
  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, other.key);
}

TEST_F(SqliteEventStoreTest, DomainCommandsRunOnTheStore) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::TeamDirectory teams({domain::Team{"team", {"p1"}, {}}});
  domain::CommandContext ctx{&teams, "production", kT0 + 10 * kHour};
  domain::NewDeployment nd;
  nd.id = "d1";
  nd.project_id = "p1";
  nd.first_commit_at = kT0;
  nd.deploy_start_at = kT0 + kHour;
  nd.deployed_at = kT0 + 2 * kHour;
  domain::NewIncident ni;
  ni.project_id = "p1";
  ni.deployment_id = "d1";
  ni.started_at = kT0 + 3 * kHour;
  std::string incident_id;
  Status s = Run(*store, [&](Transaction& tx) -> Status {
    auto a = domain::CreateDeployment(tx, ctx, nd);
    if (!a.ok()) return a.status();
    auto b = domain::CreateIncident(tx, ctx, ni, &incident_id);
    return b.status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(incident_id, "incident_p1_1");
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  std::map<std::string, uint64_t> counts;
  for (const auto& st : *series) counts[st.key.metric] += st.count;
  EXPECT_EQ(counts["deployment_started"], 1u);
  EXPECT_EQ(counts["deployment_frequency"], 1u);
  EXPECT_EQ(counts["change_failure_count"], 1u);
  EXPECT_EQ(counts["time_to_detect"], 1u);

  // A rejected command inside a batch leaves nothing behind.
  domain::NewIncident bad = ni;
  bad.deployment_id = "ghost";
  s = Run(*store, [&](Transaction& tx) { return domain::CreateIncident(tx, ctx, bad).status(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto incidents = store->ListIncidents({});
  ASSERT_TRUE(incidents.ok());
  EXPECT_EQ(incidents->size(), 1u);
}

// A delivery id is taken once per source; an item that fails takes nothing, so its redelivery
// runs again.
TEST_F(SqliteEventStoreTest, ADeliveryIsRecordedOncePerSourceAndNotByAFailedItem) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto insert = [&](std::string source, std::string id) {
    return Run(*store, [=](Transaction& tx) { return tx.InsertDelivery(source, id, kT0); });
  };
  EXPECT_TRUE(insert("github", "d-1").ok());
  EXPECT_EQ(insert("github", "d-1").code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(insert("linear", "d-1").ok());
  Status failed = Run(*store, [](Transaction& tx) -> Status {
    EMM_RETURN_IF_ERROR(tx.InsertDelivery("github", "d-2", kT0));
    return Status::InvalidArgument("x", "the command failed");
  });
  EXPECT_EQ(failed.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(insert("github", "d-2").ok());
}

// An alias names the latest deployment carrying it (by its time), whatever the arrival order.
TEST_F(SqliteEventStoreTest, AnAliasNamesTheLatestDeploymentCarryingIt) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Insert(*store, std::vector<Deployment>{MakeDeployment("d1"), MakeDeployment("d2"),
                                         MakeDeployment("d0")});
  auto put = [&](std::string id, TimeMs at) {
    return Run(*store, [=](Transaction& tx) { return tx.PutDeploymentAlias("chain:c", id, at); });
  };
  auto find = [&](std::string alias) {
    std::optional<std::string> out;
    Status s = Run(*store, [&](Transaction& tx) -> Status {
      auto r = tx.FindDeploymentByAlias(alias);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  EXPECT_EQ(find("chain:c"), std::nullopt);
  ASSERT_TRUE(put("d1", kT0).ok());
  ASSERT_TRUE(put("d2", kT0 + kHour).ok());
  ASSERT_TRUE(put("d0", kT0 - kHour).ok());  // back-filled late: d2 keeps it
  EXPECT_EQ(find("chain:c"), "d2");
  // An alias names a stored deployment only.
  EXPECT_FALSE(put("no-such-deployment", kT0 + 2 * kHour).ok());
  EXPECT_EQ(find("chain:c"), "d2");
}

// A deployment whose first commit is not known reads back without one, and its DORA facts too.
TEST_F(SqliteEventStoreTest, AnUnknownFirstCommitRoundTrips) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Deployment d = MakeDeployment("d1", "p1", kT0);
  d.first_commit_at = std::nullopt;
  Insert(*store, std::vector<Deployment>{d});
  auto read = store->GetDeployment("d1");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->first_commit_at, std::nullopt);
  EXPECT_EQ((*read)->deploy_start_at, kT0 - kHour);
  auto events = store->LoadDoraEvents({kT0 - kHour, kT0 + kHour, {}, {}, {}});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->deployed.size(), 1u);
  EXPECT_EQ(events->deployed[0].first_commit_at, std::nullopt);
  auto facts = store->LoadDoraFacts({kT0 - kHour, kT0 + kHour, {}, {}, {}});
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  ASSERT_EQ(facts->deployed.size(), 1u);
  EXPECT_EQ(facts->deployed[0].first_commit_at, std::nullopt);
  EXPECT_EQ(facts->deployed[0].deploy_start_at, kT0 - kHour);
}

// --- durability ---

TEST_F(SqliteEventStoreTest, DataSurvivesCloseAndReopen) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    Insert(*store, std::vector<Deployment>{MakeDeployment("kept", "p1", kT0)});
    Insert(*store, std::vector<Incident>{MakeIncident("inc", kT0, kT0 + 1, std::nullopt)});
    SeriesState hist = MakeHistogram();
    ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
    // Reads pool connections; closing must release them too.
    ASSERT_TRUE(store->ListDeployments({}).ok());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto d = store->GetDeployment("kept");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_EQ((*d)->deployed_at, kT0);
  auto i = store->GetIncident("inc");
  ASSERT_TRUE(i.ok() && i->has_value());
  EXPECT_EQ((*i)->restored_at, kT0 + 1);
  auto series = store->ListSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  ExpectSameSeries((*series)[0], MakeHistogram());
}

TEST_F(SqliteEventStoreTest, ReadsSeeCommittedWritesFromPooledConnections) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  // Warm the read pool before writing, so a stale snapshot would show.
  ASSERT_TRUE(store->GetDeployment("late").ok());
  Insert(*store, std::vector<Deployment>{MakeDeployment("late")});
  auto d = store->GetDeployment("late");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->has_value());
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

TEST(SqliteSyncTest, SyncSucceedsAfterCommitsInBothModes) {
  for (bool full : {true, false}) {
    testing::TempDir dir;
    SqliteOptions o;
    o.path = dir.File("s/em.db");
    o.full_sync = full;
    auto store = SqliteEventStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EventStore::Work w = [](domain::Transaction& tx) {
      domain::Deployment d;
      d.id = "a";
      d.project_id = "p";
      d.environment = "e";
      return tx.InsertDeployment(d);
    };
    ASSERT_TRUE((*store)->RunBatch(std::span(&w, 1)).front().ok());
    Status s = (*store)->Sync();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE((*store)->Sync().ok());  // again, with the descriptor kept open
  }
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// Writes `batches` batches of `rows` deployments whose ids end with `pad` (to make them big).
void WriteDeployments(SqliteEventStore& store, int batches, int rows, const std::string& pad) {
  for (int batch = 0; batch < batches; ++batch) {
    EventStore::Work w = [&, batch](domain::Transaction& tx) {
      for (int i = 0; i < rows; ++i) {
        domain::Deployment d;
        d.id = std::to_string(batch) + "-" + std::to_string(i) + pad;
        d.project_id = "p";
        d.environment = "e";
        EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
      }
      return Status::Ok();
    };
    ASSERT_TRUE(store.RunBatch(std::span(&w, 1)).front().ok());
  }
}

// Commits never checkpoint; the writer must between batches, or the log would grow forever and
// the database file would never receive the data.
TEST(SqliteCheckpointTest, ABigLogIsCheckpointedIntoTheDatabaseFile) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto db_size = [&] { return std::filesystem::file_size(o.path); };
  const uintmax_t empty_size = db_size();
  // About 24 MiB of rows: well past the checkpoint threshold (4000 pages, 16 MiB).
  const std::string pad(1000, 'x');
  WriteDeployments(**store, 60, 400, pad);
  EXPECT_GT((*store)->checkpoints(), 0u);
  EXPECT_GE(db_size(), 16u * 1024 * 1024) << "database file was " << empty_size << " bytes";
  auto found = (*store)->GetDeployment("59-399" + pad);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// The writer caches metric series between batches. A commit by another process (here: a second
// store on the same file, as rebuild-metrics would be) must not be overwritten from that cache.
TEST(SqliteSeriesCacheTest, AnotherWritersCommitInvalidatesTheCache) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  auto a = SqliteEventStore::Open(o);
  auto b = SqliteEventStore::Open(o);
  ASSERT_TRUE(a.ok() && b.ok());
  const domain::SeriesKey key{"deployment_started", "p", "", "e"};
  auto bump = [&](SqliteEventStore& store) {
    EventStore::Work w = [&](domain::Transaction& tx) {
      auto found = tx.FindSeries(key);
      if (!found.ok()) return found.status();
      domain::SeriesState s = found->has_value()
                                  ? **found
                                  : domain::SeriesState::Empty(domain::kDeploymentStarted, key, 1);
      s.Fold(1, 2);
      return tx.PutSeries(s);
    };
    ASSERT_TRUE(store.RunBatch(std::span(&w, 1)).front().ok());
  };
  bump(**a);  // a caches count 1
  bump(**b);  // b reads 1 from the file, writes 2
  bump(**a);  // a must see 2, write 3
  auto series = (*a)->ListSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ(series->front().count, 3u);
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// Under writes that never pause, the log must still be started over (reused) rather than grow
// with everything ever written: the writer checkpoints between two batches, so the next commit
// starts the log from its beginning. Its size is bounded by the threshold plus one batch.
TEST(SqliteCheckpointTest, TheLogStaysBoundedUnderSustainedWrites) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  o.checkpoint_pages = 250;  // 1 MiB
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteDeployments(**store, 200, 20, std::string(3000, 'y'));  // ~25 MiB, back to back
  const uintmax_t wal = std::filesystem::file_size(o.path + "-wal");
  // 250 pages of 4 KiB plus one batch (~60 KiB of rows and index) and frame headers.
  EXPECT_LT(wal, 2u * 1024 * 1024) << "the log was never restarted";
  auto found = (*store)->GetDeployment("199-19" + std::string(3000, 'y'));
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// An outside reader (the sqlite3 CLI, a backup tool) that holds one snapshot for long keeps the
// log from starting over, but never holds up a write; once it lets go, the log starts over and
// its file is cut back.
TEST(SqliteCheckpointTest, ALongReaderDelaysTheLogsRestartButNoWrite) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  o.checkpoint_pages = 250;  // 1 MiB; the file is cut back to 4 MiB
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteDeployments(**store, 2, 20, "a");

  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(o.path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM deployments;", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  // Every batch commits while the snapshot is held (WriteDeployments asserts each one).
  WriteDeployments(**store, 200, 20, std::string(3000, 'b'));  // ~25 MiB
  const uintmax_t held = std::filesystem::file_size(o.path + "-wal");
  EXPECT_GT(held, 8u * 1024 * 1024) << "the log started over under a reader's snapshot";
  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(reader);

  WriteDeployments(**store, 200, 20, std::string(3000, 'c'));
  const uintmax_t after = std::filesystem::file_size(o.path + "-wal");
  EXPECT_LE(after, 4u * 1024 * 1024 + 256 * 1024) << "held " << held;
  auto found = (*store)->GetDeployment("199-19" + std::string(3000, 'b'));
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->has_value());
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// Pull requests and every review are stored (migration 6), and the metric state they produce,
// with the size histogram's own buckets, survives a reopen and a rebuild.
TEST(SqlitePullRequestTest, PullRequestsAndReviewsRoundTripAndRebuild) {
  testing::TempDir dir;
  SqliteOptions o;
  o.path = dir.File("em.db");
  o.full_sync = false;
  const domain::TeamDirectory teams(std::vector<domain::Team>{});
  domain::CommandContext ctx{&teams, "production", kT0 + 10 * kHour};
  auto run = [&](SqliteEventStore& store, EventStore::Work w) {
    return store.RunBatch(std::span(&w, 1)).front();
  };
  std::vector<domain::SeriesState> live;
  {
    auto store = SqliteEventStore::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(run(**store, [&](Transaction& tx) {
                  return domain::CreatePullRequest(tx, ctx, {"pr-1", "web", kT0, 120, 3, "alice"})
                      .status();
                }).ok());
    ASSERT_TRUE(run(**store, [&](Transaction& tx) {
                  return domain::ReviewPullRequest(tx, ctx, {"pr-1", kT0 + kHour, false, 2, "bob"})
                      .status();
                }).ok());
    ASSERT_TRUE(run(**store, [&](Transaction& tx) {
                  return domain::ReviewPullRequest(tx, ctx, {"pr-1", kT0 + 2 * kHour, true, 0, "carol"})
                      .status();
                }).ok());
    ASSERT_TRUE(run(**store, [&](Transaction& tx) {
                  return domain::MergePullRequest(tx, ctx, {"pr-1", kT0 + 3 * kHour}).status();
                }).ok());
    auto dup = run(**store, [&](Transaction& tx) {
      return domain::CreatePullRequest(tx, ctx, {"pr-1", "web", kT0, {}, {}, ""}).status();
    });
    EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
    auto series = (*store)->ListSeries();
    ASSERT_TRUE(series.ok());
    live = *series;
  }
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok());
  std::optional<domain::PullRequest> pr;
  std::vector<domain::PullRequestReview> reviews;
  ASSERT_TRUE(run(**store, [&](Transaction& tx) {
                auto found = tx.FindPullRequest("pr-1");
                if (!found.ok()) return found.status();
                pr = *found;
                return tx.ForEachPullRequestReview([&](const domain::PullRequestReview& r) {
                  reviews.push_back(r);
                  return Status::Ok();
                });
              }).ok());
  ASSERT_TRUE(pr.has_value());
  EXPECT_EQ(pr->team_id, "web");
  EXPECT_EQ(pr->opened_at, kT0);
  EXPECT_EQ(pr->merged_at, kT0 + 3 * kHour);
  EXPECT_EQ(pr->first_review_at, kT0 + kHour);
  EXPECT_EQ(pr->first_approved_at, kT0 + 2 * kHour);
  EXPECT_EQ(pr->reviews, 2);
  EXPECT_EQ(pr->comments, 2);
  EXPECT_EQ(pr->additions, 120);
  EXPECT_EQ(pr->deletions, 3);
  EXPECT_FALSE(pr->closed_at.has_value());
  EXPECT_EQ(pr->author, "alice");
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_TRUE(reviews[1].approved);
  EXPECT_EQ(reviews[0].reviewer, "bob");
  EXPECT_EQ(reviews[1].reviewer, "carol");

  const auto find = [](const std::vector<domain::SeriesState>& v, std::string_view metric) {
    for (const auto& s : v) {
      if (s.key.metric == metric) return &s;
    }
    return static_cast<const domain::SeriesState*>(nullptr);
  };
  const domain::SeriesState* added = find(live, "pull_request_loc_added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->buckets.size(), domain::BucketBounds(domain::kPullRequestLocAdded).size() + 1);
  // The rebuild gives the same state from the stored pull requests and reviews.
  ASSERT_TRUE(run(**store, [&](Transaction& tx) { return domain::RebuildMetrics(tx, ctx); }).ok());
  auto rebuilt = (*store)->ListSeries();
  ASSERT_TRUE(rebuilt.ok());
  for (const auto& s : live) {
    const domain::SeriesState* r = find(*rebuilt, s.key.metric);
    ASSERT_NE(r, nullptr) << s.key.metric;
    EXPECT_EQ(r->count, s.count) << s.key.metric;
    EXPECT_DOUBLE_EQ(r->sum, s.sum) << s.key.metric;
    EXPECT_EQ(r->buckets, s.buckets) << s.key.metric;
  }
}

}  // namespace
}  // namespace emm::storage
