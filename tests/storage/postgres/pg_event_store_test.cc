// What only the PostgreSQL store has to show: several stores (replicas, each with its own pool) on
// one database write as one, an item whose SQL fails is rolled back alone without aborting its
// batch, and a server restart during writes is kUnavailable and then recovered from without
// reopening the store. The behaviour every backend shares is the contract suite's.
#include "storage/postgres/pg_event_store.h"

#include <atomic>
#include <barrier>
#include <map>
#include <thread>
#include <vector>

#include "domain/commands.h"
#include "storage/contract/store_contract.h"
#include "storage/postgres/pg_fixture.h"
#include "storage/postgres/pg_write_transaction.h"

namespace emm::storage::postgres {
namespace {

using domain::Transaction;

// One more observation (2) on the series `key`: read, folded, written back.
Status Bump(Transaction& tx, const domain::SeriesKey& key) {
  auto found = tx.FindSeries(key);
  if (!found.ok()) return found.status();
  domain::SeriesState st =
      found->has_value() ? **found : domain::SeriesState::Empty(domain::kIncidentCount, key, 1);
  st.Fold(1, 2);
  return tx.PutSeries(st);
}

class PgEventStoreTest : public testing::PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    url_ = FreshDatabase();
    ASSERT_FALSE(url_.empty());
  }

  std::unique_ptr<PgEventStore> OpenStore(const std::string& url) {
    auto store = PgEventStore::Open(PgStoreOptions{url, 2, std::chrono::milliseconds(2000)});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static std::map<std::string, uint64_t> Counts(EventStore& store) {
    std::map<std::string, uint64_t> counts;
    auto series = store.ListSeries();
    EXPECT_TRUE(series.ok()) << series.status().ToString();
    if (series.ok()) {
      for (const auto& st : *series) counts[st.key.metric] += st.count;
    }
    return counts;
  }

  const domain::TeamDirectory teams_{std::vector<domain::Team>{}};
  domain::CommandContext ctx_{&teams_, "production", kT0 + 10 * kHour};
  std::string url_;
};

// The same deployment's `deployed` sent to two replicas at once, many times over: each counted
// once, whichever replica wins, and neither fails. Without the write lock, READ COMMITTED lets both
// find it started and both count it.
TEST_F(PgEventStoreTest, TwoReplicasMarkingTheSameDeploymentDeployedCountItOnce) {
  auto a = OpenStore(url_);
  auto b = OpenStore(url_);
  ASSERT_TRUE(a && b);
  constexpr int kDeployments = 60;
  std::vector<EventStore::Work> create;
  for (int i = 0; i < kDeployments; ++i) {
    create.push_back([this, i](Transaction& tx) {
      domain::NewDeployment nd;
      nd.id = "d" + std::to_string(i);
      nd.project_id = "p1";
      nd.first_commit_at = kT0;
      nd.deploy_start_at = kT0 + kHour;
      return domain::CreateDeployment(tx, ctx_, nd).status();
    });
  }
  for (const Status& s : a->RunBatch(create)) ASSERT_TRUE(s.ok()) << s.ToString();

  std::barrier together(2);
  std::vector<Result<domain::Outcome>> outcomes[2];
  auto replica = [&](EventStore* store, int r) {
    for (int i = 0; i < kDeployments; ++i) {
      together.arrive_and_wait();  // both send deployment i now
      Result<domain::Outcome> out = Status::Internal("not run");
      Status s = RunAlone(*store, [&](Transaction& tx) {
        domain::MarkDeployed in;
        in.id = "d" + std::to_string(i);
        in.deployed_at = kT0 + 2 * kHour;
        out = domain::MarkDeploymentDeployed(tx, ctx_, in);
        return out.status();
      });
      outcomes[r].push_back(s.ok() ? out : Result<domain::Outcome>(s));
    }
  };
  std::thread ta(replica, a.get(), 0), tb(replica, b.get(), 1);
  ta.join();
  tb.join();

  for (int i = 0; i < kDeployments; ++i) {
    ASSERT_TRUE(outcomes[0][i].ok()) << outcomes[0][i].status().ToString();
    ASSERT_TRUE(outcomes[1][i].ok()) << outcomes[1][i].status().ToString();
    std::multiset<domain::Outcome> got{*outcomes[0][i], *outcomes[1][i]};
    EXPECT_EQ(got, (std::multiset<domain::Outcome>{domain::Outcome::kUpdated,
                                                   domain::Outcome::kUnchanged}))
        << "d" << i;
  }
  auto counts = Counts(*b);
  EXPECT_EQ(counts["deployment_started"], uint64_t{kDeployments});
  EXPECT_EQ(counts["deployment_frequency"], uint64_t{kDeployments});
  EXPECT_EQ(counts["lead_time_for_changes"], uint64_t{kDeployments});
}

// The metric series are cached for one batch only: two replicas taking turns on one series each
// build on the other's last batch. A cache kept across batches would write its own stale count
// over the other replica's (here 2 + 2 = 4 on each side instead of 8 in all).
TEST_F(PgEventStoreTest, ReplicasTakingTurnsOnOneSeriesEachBuildOnTheOthersBatches) {
  auto a = OpenStore(url_);
  auto b = OpenStore(url_);
  ASSERT_TRUE(a && b);
  const domain::SeriesKey key{"incident_count", "p", "", "production"};
  auto bump = [&](Transaction& tx) { return Bump(tx, key); };
  // Two items per batch: the second reads what the first put, from the cache.
  std::vector<EventStore::Work> batch{bump, bump};
  for (EventStore* store : {a.get(), b.get(), a.get(), b.get()}) {
    for (const Status& s : store->RunBatch(batch)) ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Counts(*a)["incident_count"], 8u);
}

// A statement error aborts a PostgreSQL transaction until it is rolled back to a savepoint: the
// failing item's own writes go, the items before and after it commit.
TEST_F(PgEventStoreTest, AnItemWhoseStatementFailsIsRolledBackAlone) {
  auto store = OpenStore(url_);
  ASSERT_NE(store, nullptr);
  std::vector<EventStore::Work> batch{
      [](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("before", "p1", kT0)); },
      [](Transaction& tx) {
        EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("lost", "p1", kT0)));
        domain::Incident orphan = MakeIncident("orphan", kT0, std::nullopt, std::nullopt);
        orphan.deployment_id = "no-such-deployment";  // a foreign key violation
        return tx.InsertIncident(orphan);
      },
      [](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("after", "p1", kT0)); },
  };
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_FALSE(results[1].ok());
  EXPECT_NE(results[1].code(), StatusCode::kUnavailable) << results[1].ToString();
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  for (const char* id : {"before", "after"}) {
    auto d = store->GetDeployment(id);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(d->has_value()) << id;
  }
  auto lost = store->GetDeployment("lost");
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->has_value());
}

// The writes whose results no command reads are only queued (pipeline mode) until the next read
// or the end of their item: one that fails there still fails its own item alone, with the
// item's series changes, and neither the item before nor the one after.
TEST_F(PgEventStoreTest, AQueuedWriteThatFailsFailsItsOwnItemAlone) {
  auto store = OpenStore(url_);
  ASSERT_NE(store, nullptr);
  const domain::SeriesKey key{"incident_count", "p", "", "production"};
  auto bump = [&](Transaction& tx) { return Bump(tx, key); };
  std::vector<EventStore::Work> batch{
      [&](Transaction& tx) {
        EMM_RETURN_IF_ERROR(bump(tx));
        return tx.PutDeploymentAlias("a1", "d1", kT0);  // queued; d1 exists
      },
      [&](Transaction& tx) {
        EMM_RETURN_IF_ERROR(bump(tx));
        return tx.PutDeploymentAlias("a2", "no-such-deployment", kT0);  // a foreign key violation
      },
      [&](Transaction& tx) {
        EMM_RETURN_IF_ERROR(bump(tx));
        return tx.PutDeploymentAlias("a3", "d1", kT0);
      },
  };
  ASSERT_TRUE(RunAlone(*store, [](Transaction& tx) {
                return tx.InsertDeployment(MakeDeployment("d1", "p1", kT0));
              }).ok());
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_FALSE(results[1].ok());
  EXPECT_NE(results[1].code(), StatusCode::kUnavailable) << results[1].ToString();
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  EXPECT_EQ(Counts(*store)["incident_count"], 2u);
  std::map<std::string, std::optional<std::string>> aliases;
  ASSERT_TRUE(RunAlone(*store, [&](Transaction& tx) {
                for (const char* a : {"a1", "a2", "a3"}) {
                  auto found = tx.FindDeploymentByAlias(a);
                  if (!found.ok()) return found.status();
                  aliases[a] = *found;
                }
                return Status::Ok();
              }).ok());
  EXPECT_EQ(aliases["a1"], "d1");
  EXPECT_EQ(aliases["a2"], std::nullopt);
  EXPECT_EQ(aliases["a3"], "d1");
}

// A server of the test's own, restarted while a writer runs: each batch is acknowledged or
// kUnavailable, never anything else; the same store writes again once the server is back; nothing
// acknowledged is lost.
TEST(PgEventStoreRestartTest, ARestartDuringWritesIsUnavailableThenRecovered) {
  emm::testing::PgServer server;
  ASSERT_TRUE(server.Start().ok());
  auto opened = PgEventStore::Open(
      PgStoreOptions{server.ConnectionUrl(), 2, std::chrono::milliseconds(2000)});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<PgEventStore> store = std::move(opened).value();

  std::atomic<bool> stop{false};
  std::atomic<int> acked{0}, unavailable{0};
  std::vector<std::string> acked_ids;
  std::vector<std::string> other_errors;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::string id = "d" + std::to_string(i);
      Status s = RunAlone(*store, [&](Transaction& tx) {
        return tx.InsertDeployment(MakeDeployment(id, "p1", kT0));
      });
      if (s.ok()) {
        acked_ids.push_back(id);
        ++acked;
      } else if (s.code() == StatusCode::kUnavailable) {
        ++unavailable;
      } else {
        other_errors.push_back(s.ToString());
      }
    }
  });
  auto wait_for = [](const std::atomic<int>& n, int at_least) {
    while (n.load() < at_least) std::this_thread::yield();
  };
  wait_for(acked, 5);
  ASSERT_TRUE(server.Stop().ok());
  wait_for(unavailable, 1);
  auto read = store->GetDeployment("d0");
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable) << read.status().ToString();
  ASSERT_TRUE(server.Restart().ok());
  int before = acked.load();
  wait_for(acked, before + 5);
  stop = true;
  writer.join();

  EXPECT_TRUE(other_errors.empty()) << other_errors.front();
  for (const std::string& id : acked_ids) {
    auto d = store->GetDeployment(id);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(d->has_value()) << id << " was acknowledged";
  }
}


// A batch larger than PostgreSQL's 64 cached subtransactions runs as several transactions, so no
// transaction overflows its subxid cache (pg_event_store.h). Seen in the rows' xmin: each item's
// savepoint gets the next transaction id, and each new transaction takes one more that no row
// carries, so the ids of a batch's rows have one gap per extra transaction. An item that fails in
// a later transaction fails alone there too.
TEST_F(PgEventStoreTest, ALargeBatchRunsAsTransactionsOfAtMost60Items) {
  auto store = OpenStore(url_);
  ASSERT_NE(store, nullptr);
  constexpr int kItems = 200;
  std::vector<EventStore::Work> batch;
  for (int i = 0; i < kItems; ++i) {
    batch.push_back([i](Transaction& tx) -> Status {
      EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment("d" + std::to_string(i), "p1", kT0)));
      if (i == 130) return Status::InvalidArgument("x", "this item fails");
      return Status::Ok();
    });
  }
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), size_t{kItems});
  for (int i = 0; i < kItems; ++i) {
    EXPECT_EQ(results[i].ok(), i != 130) << i << ": " << results[i].ToString();
  }
  auto conn = PgConnection::Open(url_);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto r = (*conn)->Run("xids",
                        "SELECT count(*), max(xmin::text::bigint) - min(xmin::text::bigint) + 1 "
                        "FROM deployments",
                        PgParams());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const int64_t rows = *r->Int64(0, 0), span = *r->Int64(0, 1);
  EXPECT_EQ(rows, kItems - 1);
  // 200 items: 4 transactions of at most 60, so at least 3 ids no row carries (the failed item's
  // savepoint adds one more).
  EXPECT_GE(span - rows, 3) << "rows " << rows << ", xid span " << span;
}

// The connections plan every read for its parameters (pg_connection.h), but a write batch takes
// the default back: its lookups by key keep one generic plan once PostgreSQL has chosen it
// (after five runs), rather than being planned again for every item.
TEST_F(PgEventStoreTest, AWriteBatchKeepsGenericPlansForItsLookupsByKey) {
  auto opened = PgEventStore::Open(PgStoreOptions{url_, 1, std::chrono::milliseconds(2000)});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EventStore& store = **opened;
  ASSERT_TRUE(RunAlone(store, [](Transaction& tx) {
                return tx.InsertDeployment(MakeDeployment("d1", "p1", kT0));
              }).ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(RunAlone(store, [](Transaction& tx) {
                  return tx.FindDeployment("d1").status();
                }).ok());
  }
  int64_t generic = -1;
  ASSERT_TRUE(RunAlone(store, [&](Transaction& tx) -> Status {
                PgConnection& conn = dynamic_cast<PgWriteTransaction&>(tx).connection();
                auto r = conn.Run("emm_test_plans",
                                  "SELECT generic_plans FROM pg_prepared_statements "
                                  "WHERE name = 'emm_find_deployment'",
                                  PgParams());
                if (!r.ok()) return r.status();
                generic = r->Int64(0, 0).value();
                return Status::Ok();
              }).ok());
  EXPECT_GT(generic, 0);
}

}  // namespace
}  // namespace emm::storage::postgres
