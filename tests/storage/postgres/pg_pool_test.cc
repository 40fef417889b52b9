// PgPool against a real PostgreSQL: the bound, the acquire timeout, and recovery after the
// server restarts.
#include "storage/postgres/pg_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>

#include "storage/postgres/pg_fixture.h"

namespace emm::storage::postgres {
namespace {

using namespace std::chrono_literals;
using testing::PgFixture;

class PgPoolTest : public PgFixture {
 protected:
  PgPoolOptions Options(size_t size, std::chrono::milliseconds timeout) {
    return {server_->ConnectionUrl(), size, timeout};
  }
};

Status Ping(PgPool& pool) {
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  auto r = (*lease)->Run("ping", "SELECT 1", PgParams());
  return r.ok() ? Status::Ok() : r.status();
}

TEST_F(PgPoolTest, NeverOpensMoreThanItsSizeAndTimesOutUnavailable) {
  PgPool pool(Options(2, 100ms));
  auto first = pool.Acquire();
  auto second = pool.Acquire();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto third = pool.Acquire();
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(third.status().message().find("100 ms"), std::string::npos) << third.status().message();
  EXPECT_EQ(pool.open(), 2u);
}

TEST_F(PgPoolTest, AWaiterGetsTheConnectionGivenBack) {
  PgPool pool(Options(1, 60s));
  std::optional<PgPool::Lease> held;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    held.emplace(std::move(lease).value());
  }
  PgConnection* conn = &**held;
  auto waiter = std::async(std::launch::async, [&] {
    auto lease = pool.Acquire();
    return lease.ok() ? &**lease : nullptr;
  });
  held.reset();
  EXPECT_EQ(waiter.get(), conn);  // the same connection, reused, not a second one
  EXPECT_EQ(pool.open(), 1u);
}

TEST_F(PgPoolTest, AConnectionLeftInATransactionIsRolledBackBeforeReuse) {
  PgPool pool(Options(1, 5s));
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->Begin().ok());
  }
  auto lease = pool.Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE((*lease)->InTransaction());
}

TEST_F(PgPoolTest, ABadUrlIsReportedByAcquire) {
  PgPool pool({"postgres://u@127.0.0.1/db?sslmode=never", 2, 1s});
  auto lease = pool.Acquire();
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pool.open(), 0u);  // the slot is given back
}

TEST_F(PgPoolTest, RecoversOnItsOwnAfterTheServerRestarts) {
  PgPool pool(Options(2, 2s));
  auto held = pool.Acquire();  // in use while the server goes away
  ASSERT_TRUE(held.ok());
  {
    auto idle = pool.Acquire();  // a second connection, idle in the pool during the outage
    ASSERT_TRUE(idle.ok());
  }
  ASSERT_EQ(pool.open(), 2u);

  ASSERT_TRUE(server_->Stop().ok());
  // During the outage: answers, all of them Unavailable; no hang, no other code.
  for (int i = 0; i < 3; ++i) {
    Status s = Ping(pool);
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  }
  Status in_use = (*held)->Exec("SELECT 1");
  EXPECT_EQ(in_use.code(), StatusCode::kUnavailable) << in_use.ToString();
  EXPECT_TRUE((*held)->Broken());

  ASSERT_TRUE(server_->Restart().ok());
  { auto gone = std::move(held).value(); }  // given back broken: discarded
  // After it, the first request already succeeds: stale idle connections are discarded when
  // acquired, not handed out to fail once more.
  Status after = Ping(pool);
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_EQ(pool.discarded(), 2u);  // the idle one and the one in use
  EXPECT_LE(pool.open(), 2u);
}

TEST_F(PgPoolTest, AnIdleConnectionToARestartedServerIsNotHandedOut) {
  PgPool pool(Options(1, 2s));
  ASSERT_TRUE(Ping(pool).ok());
  // A restart no request saw: the pool's idle connection is dead, and it is found out when
  // acquired (the server's goodbye is waiting on its socket), so the first request succeeds.
  ASSERT_TRUE(server_->Restart().ok());
  Status first = Ping(pool);
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_EQ(pool.discarded(), 1u);
}

}  // namespace
}  // namespace emm::storage::postgres
