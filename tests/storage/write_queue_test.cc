#include "storage/write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_event_store.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

using domain::Deployment;
using domain::Transaction;
using testing::TempDir;

Deployment MakeDeployment(std::string id) {
  Deployment d;
  d.id = std::move(id);
  d.project_id = "p";
  d.environment = "production";
  d.first_commit_at = 1;
  d.deploy_start_at = 2;
  d.created_at = 2;
  return d;
}

// Counts callbacks and lets the test wait for a number of them (no sleeping).
class Completions {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++n_;
    cv_.notify_all();
  }
  void WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return n_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0;
};

// One submitted item's outcome.
struct Slot {
  std::atomic<int> calls{0};
  Status status;
};

class WriteQueueSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = dir_.File("db/em.db");
    options_.full_sync = false;
    auto r = SqliteEventStore::Open(options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    store_ = std::move(r).value();
  }

  bool Exists(SqliteEventStore& store, const std::string& id) {
    auto r = store.GetDeployment(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->has_value();
  }

  TempDir dir_;
  SqliteOptions options_;
  std::unique_ptr<SqliteEventStore> store_;
};

TEST_F(WriteQueueSqliteTest, ConcurrentSubmittersEachGetTheirOutcomeOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 30;
  std::vector<Slot> slots(kThreads * kPerThread);
  Completions done;
  {
    WriteQueue queue(store_.get(), 16);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          int n = t * kPerThread + i;
          std::string id = "d-" + std::to_string(n);
          EventStore::Work work;
          if (i == 0) {
            // Every thread races for the same id: exactly one wins.
            work = [](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("shared")); };
          } else if (i % 7 == 0) {
            // Writes, then fails: must leave nothing behind.
            work = [id](Transaction& tx) {
              EMM_RETURN_IF_ERROR(tx.InsertDeployment(MakeDeployment(id)));
              return Status::InvalidArgument("n", "rejected " + id);
            };
          } else {
            work = [id](Transaction& tx) { return tx.InsertDeployment(MakeDeployment(id)); };
          }
          queue.Submit(std::move(work), [&slots, &done, n](Status s) {
            slots[n].status = std::move(s);
            slots[n].calls.fetch_add(1);
            done.Add();
          });
        }
      });
    }
    for (auto& th : threads) th.join();
    done.WaitFor(kThreads * kPerThread);
  }  // the queue stops here; no callback may come late or twice

  int shared_ok = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      int n = t * kPerThread + i;
      const Slot& slot = slots[n];
      EXPECT_EQ(slot.calls.load(), 1) << n;
      std::string id = "d-" + std::to_string(n);
      if (i == 0) {
        if (slot.status.ok()) {
          ++shared_ok;
        } else {
          EXPECT_EQ(slot.status.code(), StatusCode::kAlreadyExists) << slot.status.ToString();
        }
      } else if (i % 7 == 0) {
        EXPECT_EQ(slot.status.code(), StatusCode::kInvalidArgument) << n;
        EXPECT_EQ(slot.status.message(), "rejected " + id);
        EXPECT_FALSE(Exists(*store_, id)) << id;
      } else {
        EXPECT_TRUE(slot.status.ok()) << n << ": " << slot.status.ToString();
      }
    }
  }
  EXPECT_EQ(shared_ok, 1);

  // Acknowledged writes are durable: visible after reopening the database.
  store_.reset();
  auto reopened = SqliteEventStore::Open(options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  DeploymentQuery everything;
  everything.limit = 10000;
  auto all = (*reopened)->ListDeployments(everything);
  ASSERT_TRUE(all.ok());
  int ok_per_thread = 0;
  for (int i = 1; i < kPerThread; ++i) {
    if (i % 7 != 0) ++ok_per_thread;
  }
  const int expected = 1 + ok_per_thread * kThreads;  // + "shared"
  EXPECT_EQ(static_cast<int>(all->size()), expected);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(Exists(**reopened, "d-" + std::to_string(t * kPerThread + 1)));
  }
}

TEST_F(WriteQueueSqliteTest, RunReturnsTheItemsStatus) {
  WriteQueue queue(store_.get());
  EXPECT_TRUE(
      queue.Run([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("a")); }).ok());
  Status dup = queue.Run([](Transaction& tx) { return tx.InsertDeployment(MakeDeployment("a")); });
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(Exists(*store_, "a"));
}

// The queue never reads: stores for queue tests answer reads with kUnimplemented.
class WriteOnlyStore : public EventStore {
 public:
  Result<std::optional<Deployment>> GetDeployment(std::string_view) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<Deployment>> ListDeployments(const DeploymentQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<std::optional<domain::Incident>> GetIncident(std::string_view) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::Incident>> ListIncidents(const IncidentQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<std::optional<domain::PullRequest>> GetPullRequest(std::string_view) override {
    return Status::Unimplemented("write-only");
  }
  Result<std::vector<domain::PullRequest>> ListPullRequests(const PullRequestQuery&) override {
    return Status::Unimplemented("write-only");
  }
  Result<std::optional<domain::Ticket>> GetTicket(std::string_view) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::Ticket>> ListTickets(const TicketQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<TicketHistory> GetTicketHistory(std::string_view) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::Ticket>> LoadTicketsForStats(const TicketStatsQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::SeriesState>> ListSeries() override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::ExportMark>> ListExportMarks() override {
    return Status::Unimplemented("reads");
  }
  Result<domain::DoraEvents> LoadDoraEvents(const DoraQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<domain::DoraFacts> LoadDoraFacts(const DoraQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>> LoadTimeline(
      const DoraQuery&) override {
    return Status::Unimplemented("reads");
  }
  Result<std::vector<domain::Deployment>> ListUndeployed(const DoraQuery&, int64_t,
                                                         int64_t) override {
    return Status::Unimplemented("reads");
  }
  Result<domain::TeamHealthFacts> LoadTeamHealthFacts(const TeamHealthQuery&) override {
    return Status::Unimplemented("reads");
  }
};

// A store whose first batch blocks until released, so that work queues up behind it. Records the
// size of every batch; does not run the work (the tests here are about the queue).
class GatedStore final : public WriteOnlyStore {
 public:
  std::vector<Status> RunBatch(std::span<const Work> work) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      batch_sizes_.push_back(work.size());
      if (batch_sizes_.size() == 1) {
        entered_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return released_; });
      }
    }
    if (short_results_) return {};
    return std::vector<Status>(work.size());
  }

  void WaitUntilBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<size_t> batch_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_sizes_;
  }
  void set_short_results() { short_results_ = true; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  std::atomic<bool> short_results_{false};
  std::vector<size_t> batch_sizes_;
};

EventStore::Work NoOp() {
  return [](Transaction&) { return Status::Ok(); };
}

TEST(WriteQueueTest, BatchesQueuedWorkUpToMaxBatch) {
  GatedStore store;
  std::vector<Slot> slots(6);
  {
    WriteQueue queue(&store, 2);
    auto record = [&slots](int n) {
      return [&slots, n](Status s) {
        slots[n].status = std::move(s);
        slots[n].calls.fetch_add(1);
      };
    };
    queue.Submit(NoOp(), record(0));
    store.WaitUntilBlocked();
    for (int n = 1; n < 6; ++n) queue.Submit(NoOp(), record(n));
    store.Release();
    queue.Stop();
  }
  for (int n = 0; n < 6; ++n) {
    EXPECT_EQ(slots[n].calls.load(), 1) << n;
    EXPECT_TRUE(slots[n].status.ok()) << n;
  }
  EXPECT_EQ(store.batch_sizes(), (std::vector<size_t>{1, 2, 2, 1}));
}

// Stats count batches and items, and time waiting in the queue: work queued behind a batch that
// is held for 20 ms waited at least that long (a lower bound, not a speed).
TEST(WriteQueueTest, StatsCountBatchesItemsAndQueueTime) {
  GatedStore store;
  WriteQueue queue(&store, 2);
  EXPECT_EQ(queue.stats().items, 0u);
  std::atomic<int> answered{0};
  auto count = [&answered](Status) { answered.fetch_add(1); };
  queue.Submit(NoOp(), count);
  store.WaitUntilBlocked();
  for (int n = 1; n < 6; ++n) queue.Submit(NoOp(), count);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store.Release();
  queue.Stop();
  ASSERT_EQ(answered.load(), 6);
  const WriteQueue::Stats s = queue.stats();
  EXPECT_EQ(s.batches, 4u);  // 1, 2, 2, 1
  EXPECT_EQ(s.items, 6u);
  EXPECT_GE(s.syncs, 1u);
  EXPECT_LE(s.syncs, 4u);
  EXPECT_GE(s.queued_seconds, 5 * 0.020);  // five items queued while the first batch was held
  EXPECT_GE(s.batch_seconds, 0.020);       // the held batch
  EXPECT_GE(s.sync_wait_seconds, 0.0);
}

TEST(WriteQueueTest, StopDrainsQueuedWork) {
  GatedStore store;
  WriteQueue queue(&store);
  constexpr int kQueued = 20;
  std::vector<Slot> slots(kQueued + 1);
  auto record = [&slots](int n) {
    return [&slots, n](Status s) {
      slots[n].status = std::move(s);
      slots[n].calls.fetch_add(1);
    };
  };
  queue.Submit(NoOp(), record(0));
  store.WaitUntilBlocked();
  for (int n = 1; n <= kQueued; ++n) queue.Submit(NoOp(), record(n));

  // Stop on another thread while the writer is still blocked; it must wait for the queue.
  std::thread stopper([&] { queue.Stop(); });
  // Once a submission is refused, Stop() has begun: everything queued before must still run.
  std::atomic<int> late_accepted{0};
  for (;;) {
    auto refused = std::make_shared<std::atomic<bool>>(false);
    queue.Submit(NoOp(), [refused, &late_accepted](Status s) {
      if (s.code() == StatusCode::kUnavailable) {
        refused->store(true);
      } else {
        late_accepted.fetch_add(1);
      }
    });
    if (refused->load()) break;
    std::this_thread::yield();
  }
  for (int n = 0; n <= kQueued; ++n) {
    EXPECT_EQ(slots[n].calls.load(), 0) << "ran before the writer was released: " << n;
  }
  store.Release();
  stopper.join();

  for (int n = 0; n <= kQueued; ++n) {
    EXPECT_EQ(slots[n].calls.load(), 1) << n;
    EXPECT_TRUE(slots[n].status.ok()) << n << ": " << slots[n].status.ToString();
  }
  size_t total = 0;
  for (size_t s : store.batch_sizes()) total += s;
  EXPECT_EQ(total, static_cast<size_t>(1 + kQueued + late_accepted.load()));
}

TEST(WriteQueueTest, SubmitAfterStopIsUnavailableAtOnce) {
  GatedStore store;
  store.Release();
  WriteQueue queue(&store);
  queue.Stop();
  queue.Stop();  // idempotent
  bool ran = false;
  std::optional<Status> got;
  queue.Submit(
      [&ran](Transaction&) {
        ran = true;
        return Status::Ok();
      },
      [&got](Status s) { got = std::move(s); });
  ASSERT_TRUE(got.has_value()) << "Done must be called before Submit returns";
  EXPECT_EQ(got->code(), StatusCode::kUnavailable);
  EXPECT_FALSE(ran);
  EXPECT_EQ(queue.Run(NoOp()).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store.batch_sizes().empty());
}

TEST(WriteQueueTest, TooFewResultsFromTheStoreAreInternalErrors) {
  GatedStore store;
  store.set_short_results();
  store.Release();
  WriteQueue queue(&store);
  Status s = queue.Run(NoOp());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace emm::storage

namespace emm::storage {
namespace {

// A store that records, for every Sync, how many batches had been committed, and can fail Sync.
class SyncRecordingStore final : public WriteOnlyStore {
 public:
  std::vector<Status> RunBatch(std::span<const Work> work) override {
    std::vector<Status> out;
    for (size_t i = 0; i < work.size(); ++i) {
      out.push_back(fail_items_ ? Status::InvalidArgument("x", "bad") : Status::Ok());
    }
    committed_batches_.fetch_add(1);
    return out;
  }
  Status Sync() override {
    syncs_.fetch_add(1);
    synced_batches_.store(committed_batches_.load());
    return sync_fails_ ? Status::Unavailable("disk gone") : Status::Ok();
  }

  std::atomic<int> committed_batches_{0};
  std::atomic<int> synced_batches_{0};
  std::atomic<int> syncs_{0};
  bool sync_fails_ = false;
  bool fail_items_ = false;
};

TEST(WriteQueueSyncTest, AnswersOnlyAfterASyncCoveringTheBatch) {
  SyncRecordingStore store;
  WriteQueue queue(&store);
  for (int i = 0; i < 20; ++i) {
    Status s = queue.Run([](Transaction&) { return Status::Ok(); });
    EXPECT_TRUE(s.ok());
    // The batch that held this item was committed and then synced before the answer.
    EXPECT_GE(store.synced_batches_.load(), i + 1);
  }
  EXPECT_GE(store.syncs_.load(), 20);
}

// Sync time is the store's Sync(): here at least 5 ms each.
TEST(WriteQueueSyncTest, StatsTimeTheSyncs) {
  class SlowSyncStore final : public WriteOnlyStore {
   public:
    std::vector<Status> RunBatch(std::span<const Work> work) override {
      return std::vector<Status>(work.size());
    }
    Status Sync() override {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return Status::Ok();
    }
  };
  SlowSyncStore store;
  WriteQueue queue(&store);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.Run(NoOp()).ok());
  const WriteQueue::Stats s = queue.stats();
  EXPECT_EQ(s.items, 4u);
  EXPECT_EQ(s.batches, 4u);  // each Run waits for its answer: one item per batch
  EXPECT_EQ(s.syncs, 4u);
  EXPECT_GE(s.sync_seconds, 4 * 0.005);
}

TEST(WriteQueueSyncTest, AFailedSyncFailsTheCommittedItems) {
  SyncRecordingStore store;
  store.sync_fails_ = true;
  WriteQueue queue(&store);
  Status s = queue.Run([](Transaction&) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("disk gone"), std::string::npos);
}

TEST(WriteQueueSyncTest, AnItemsOwnErrorWinsOverTheSyncError) {
  SyncRecordingStore store;
  store.sync_fails_ = true;
  store.fail_items_ = true;
  WriteQueue queue(&store);
  Status s = queue.Run([](Transaction&) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace emm::storage
