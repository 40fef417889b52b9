// PgExportLeader against a real PostgreSQL: two replicas on one database, exactly one leads; when
// the leader's session ends (closed, or its backend terminated) the other takes over on its next
// try.
#include "storage/postgres/pg_export_leader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/postgres/pg_fixture.h"

namespace emm::storage::postgres {
namespace {

class PgExportLeaderTest : public testing::PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    admin_ = Connect();
    ASSERT_NE(admin_, nullptr);
  }

  std::unique_ptr<PgExportLeader> Replica(const std::string& id) {
    return std::make_unique<PgExportLeader>(PgExportLeaderOptions{server_->ConnectionUrl(), id});
  }

  // The backend holding the export lock, or 0. A bigint advisory key shows in pg_locks as its
  // high half (classid) and low half (objid), objsubid 1.
  int64_t Holder() {
    auto r = admin_->Run("leader_holder",
                         "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                         "objsubid = 1 AND (classid::bigint << 32 | objid::bigint) = $1",
                         PgParams().Add(kExportLeaderLockKey));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->rows() == 0) return 0;
    return *r->Int64(0, 0);
  }

  // A closed session's locks go when its backend has exited, a moment after the client hung up:
  // wait for that (a condition, not a duration) so that "the next try" is well defined.
  bool WaitUntilReleased() {
    for (int i = 0; i < 1000 && Holder() != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Holder() == 0;
  }

  std::unique_ptr<PgConnection> admin_;
};

TEST_F(PgExportLeaderTest, ExactlyOneOfTwoReplicasLeads) {
  auto a = Replica("a"), b = Replica("b");
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  EXPECT_NE(Holder(), 0);
  for (int round = 0; round < 3; ++round) {  // each interval: the same answers
    EXPECT_TRUE(a->IsLeader());
    EXPECT_FALSE(b->IsLeader());
  }
}

TEST_F(PgExportLeaderTest, TheOtherTakesOverWhenTheLeaderCloses) {
  auto a = Replica("a"), b = Replica("b");
  ASSERT_TRUE(a->IsLeader());
  ASSERT_FALSE(b->IsLeader());
  a.reset();  // the process ends: its connection closes
  ASSERT_TRUE(WaitUntilReleased());
  EXPECT_TRUE(b->IsLeader());
  auto c = Replica("c");
  EXPECT_FALSE(c->IsLeader());
}

TEST_F(PgExportLeaderTest, ALeaderWhoseBackendIsTerminatedStepsDownAndTheOtherTakesOver) {
  auto a = Replica("a"), b = Replica("b");
  ASSERT_TRUE(a->IsLeader());
  ASSERT_FALSE(b->IsLeader());
  const int64_t holder = Holder();
  ASSERT_NE(holder, 0);
  // Waits (up to 10 s) until the backend has exited, and its lock with it.
  auto killed = admin_->Run("leader_kill", "SELECT pg_terminate_backend($1::int, 10000)",
                            PgParams().Add(holder));
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  ASSERT_TRUE(WaitUntilReleased());
  EXPECT_TRUE(b->IsLeader());
  EXPECT_FALSE(a->IsLeader());  // its connection is gone: not the leader, whatever it thought
  EXPECT_FALSE(a->IsLeader());  // reconnected, and b still holds the lock
  EXPECT_TRUE(b->IsLeader());
}

TEST_F(PgExportLeaderTest, NoServerMeansNotLeaderUntilItIsBack) {
  auto a = Replica("a");
  ASSERT_TRUE(a->IsLeader());
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_FALSE(a->IsLeader());
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(a->IsLeader());  // reconnects and takes the free lock
}

}  // namespace
}  // namespace emm::storage::postgres
