#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace emm {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_TRUE(s.message().empty());
  EXPECT_TRUE(s.fields().empty());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, InvalidArgumentCarriesField) {
  Status s = Status::InvalidArgument("first_commit_at", "not a date");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "not a date");
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "first_commit_at");
  EXPECT_EQ(s.fields()[0].message, "not a date");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: first_commit_at: not a date");
}

TEST(StatusTest, InvalidWithSeveralFields) {
  Status s = Status::Invalid({{"id", "is required"}, {"project_id", "must be a string"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "is required");
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[1].field, "project_id");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: id: is required; project_id: must be a string");
}

TEST(StatusTest, InvalidWithNoFieldsHasGenericMessage) {
  Status s = Status::Invalid({});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "invalid request");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: invalid request");
}

TEST(StatusTest, AlreadyExistsCarriesField) {
  Status s = Status::AlreadyExists("id", "deployment \"d1\" already exists");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "id");
  EXPECT_EQ(s.ToString(), "ALREADY_EXISTS: id: deployment \"d1\" already exists");
}

TEST(StatusTest, CodesWithoutFields) {
  struct Case {
    Status status;
    StatusCode code;
    const char* text;
  };
  std::vector<Case> cases = {
      {Status::NotFound("nope"), StatusCode::kNotFound, "NOT_FOUND: nope"},
      {Status::FailedPrecondition("state"), StatusCode::kFailedPrecondition,
       "FAILED_PRECONDITION: state"},
      {Status::Unimplemented("later"), StatusCode::kUnimplemented, "UNIMPLEMENTED: later"},
      {Status::Unavailable("busy"), StatusCode::kUnavailable, "UNAVAILABLE: busy"},
      {Status::Internal("bug"), StatusCode::kInternal, "INTERNAL: bug"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(c.status.ok()) << c.text;
    EXPECT_EQ(c.status.code(), c.code) << c.text;
    EXPECT_TRUE(c.status.fields().empty()) << c.text;
    EXPECT_EQ(c.status.ToString(), c.text);
  }
}

TEST(StatusTest, CodeNames) {
  EXPECT_STREQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_STREQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_STREQ(StatusCodeName(StatusCode::kNotFound), "NOT_FOUND");
  EXPECT_STREQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_STREQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_STREQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
  EXPECT_STREQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_STREQ(StatusCodeName(StatusCode::kInternal), "INTERNAL");
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  r.value() = 7;
  EXPECT_EQ(*r, 7);
}

TEST(ResultTest, HoldsStatus) {
  Result<int> r = Status::NotFound("gone");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "gone");
}

TEST(ResultTest, ArrowAndMoveOut) {
  Result<std::string> r = std::string("hello");
  EXPECT_EQ(r->size(), 5u);
  std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "hello");

  Result<std::unique_ptr<int>> p = std::make_unique<int>(3);
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> owned = std::move(p).value();
  EXPECT_EQ(*owned, 3);
}

TEST(ResultTest, ValueOnErrorThrows) {
  Result<int> r = Status::Internal("x");
  EXPECT_THROW((void)r.value(), std::bad_variant_access);
}

Status FailsWhen(bool fail) { return fail ? Status::Unavailable("down") : Status::Ok(); }

Status Chain(bool fail, int* reached) {
  EMM_RETURN_IF_ERROR(FailsWhen(fail));
  ++*reached;
  return Status::Ok();
}

TEST(ReturnIfErrorTest, ReturnsEarlyOnlyOnError) {
  int reached = 0;
  EXPECT_TRUE(Chain(false, &reached).ok());
  EXPECT_EQ(reached, 1);
  Status s = Chain(true, &reached);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "down");
  EXPECT_EQ(reached, 1);
}

}  // namespace
}  // namespace emm
