// WithSnapshot over a fake connection: the read runs between BeginSnapshot and EndSnapshot, and
// whatever happens (a failed read, a failed end, a throw) the snapshot is ended exactly once.
#include "storage/read_snapshot.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace emm::storage {
namespace {

class FakeConnection final : public SnapshotConnection {
 public:
  Status begin = Status::Ok();
  Status end = Status::Ok();
  std::vector<std::string> calls;

  Status BeginSnapshot() override {
    calls.push_back("begin");
    return begin;
  }
  Status EndSnapshot(bool read_ok) override {
    calls.push_back(read_ok ? "end ok" : "end failed");
    return end;
  }
};

TEST(ReadSnapshotTest, TheReadRunsInsideOneSnapshotAndItsResultIsReturned) {
  FakeConnection c;
  Result<int> r = WithSnapshot(c, [&]() -> Result<int> {
    c.calls.push_back("read");
    return 7;
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(c.calls, (std::vector<std::string>{"begin", "read", "end ok"}));
}

TEST(ReadSnapshotTest, AFailedReadEndsTheSnapshotAndItsErrorWins) {
  FakeConnection c;
  c.end = Status::Unavailable("end failed too");
  Result<int> r = WithSnapshot(c, [] { return Result<int>(Status::Internal("disk I/O error")); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "disk I/O error");
  EXPECT_EQ(c.calls, (std::vector<std::string>{"begin", "end failed"}));
}

TEST(ReadSnapshotTest, AFailedEndFailsASuccessfulRead) {
  FakeConnection c;
  c.end = Status::Unavailable("database is locked");
  Status s = WithSnapshot(c, [] { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(ReadSnapshotTest, NoReadWithoutASnapshot) {
  FakeConnection c;
  c.begin = Status::Unavailable("database is locked");
  bool ran = false;
  Result<int> r = WithSnapshot(c, [&]() -> Result<int> {
    ran = true;
    return 1;
  });
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(ran);
  EXPECT_EQ(c.calls, (std::vector<std::string>{"begin"}));
}

TEST(ReadSnapshotTest, AThrowingReadEndsTheSnapshotBeforeThePoolGetsTheConnectionBack) {
  FakeConnection c;
  EXPECT_THROW(WithSnapshot(c, []() -> Status { throw std::runtime_error("bad_alloc"); }),
               std::runtime_error);
  EXPECT_EQ(c.calls, (std::vector<std::string>{"begin", "end failed"}));
}

}  // namespace
}  // namespace emm::storage
