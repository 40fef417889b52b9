#include "api/error_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/log.h"

namespace emm::api {
namespace {

namespace json = boost::json;

json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

std::optional<std::string> HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

TEST(HttpStatusForTest, Mapping) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(ErrorResponseTest, InvalidArgumentIs400WithFieldErrors) {
  http::Response r =
      ErrorResponse(Status::Invalid({{"id", "is required"}, {"first_commit_at", "bad date"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
  json::object body = Body(r);
  EXPECT_FALSE(body.contains("error"));
  const json::array& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("field").as_string(), "id");
  EXPECT_EQ(errors[0].at("message").as_string(), "is required");
  EXPECT_EQ(errors[1].at("field").as_string(), "first_commit_at");
  EXPECT_FALSE(HeaderOf(r, "Retry-After").has_value());
}

TEST(ErrorResponseTest, NotFoundIs404WithMessage) {
  http::Response r = ErrorResponse(Status::NotFound("Deployment does not exist"));
  EXPECT_EQ(r.status, 404);
  json::object body = Body(r);
  EXPECT_EQ(body.at("error").as_string(), "Deployment does not exist");
  EXPECT_FALSE(body.contains("errors"));
}

TEST(ErrorResponseTest, AlreadyExistsIs409WithMessageAndField) {
  http::Response r = ErrorResponse(Status::AlreadyExists("id", "deployment \"d1\" already exists"));
  EXPECT_EQ(r.status, 409);
  json::object body = Body(r);
  EXPECT_EQ(body.at("error").as_string(), "deployment \"d1\" already exists");
  ASSERT_EQ(body.at("errors").as_array().size(), 1u);
  EXPECT_EQ(body.at("errors").as_array()[0].at("field").as_string(), "id");
}

TEST(ErrorResponseTest, FailedPreconditionIs409) {
  http::Response r = ErrorResponse(Status::FailedPrecondition("wrong state"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Body(r).at("error").as_string(), "wrong state");
}

TEST(ErrorResponseTest, UnimplementedIs501) {
  EXPECT_EQ(ErrorResponse(Status::Unimplemented("later")).status, 501);
}

TEST(ErrorResponseTest, UnavailableIs503WithRetryAfter) {
  http::Response r = ErrorResponse(Status::Unavailable("database is locked"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "1");
  EXPECT_EQ(Body(r).at("error").as_string(), "database is locked");
}

TEST(ErrorResponseTest, InternalIs500AndHidesTheMessage) {
  log::Configure(log::Level::kSilent);  // the detail goes to the log; keep test output clean
  const std::string secret = "sqlite3_prepare failed at /var/lib/secret.db: token=hunter2";
  http::Response r = ErrorResponse(Status::Internal(secret));
  log::Configure(log::Level::kInfo);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("sqlite3"), std::string::npos) << r.body;
  json::object body = Body(r);
  EXPECT_EQ(body.at("error").as_string(), "internal error");
  EXPECT_EQ(body.size(), 1u);
  EXPECT_FALSE(HeaderOf(r, "Retry-After").has_value());
}

TEST(HttpStatusForTest, AuthAndLimits) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kHeadersTooLarge), 431);
}

TEST(AuthRefusedTest, UnauthorizedWithAndWithoutChallengeAndForbidden) {
  auth::Decision none{auth::Verdict::kUnauthorized, true, "Authorization Required"};
  http::Response r = AuthRefused(none);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r), (json::object{{"error", "Authorization Required"}}));
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Basic realm=web-http");
  none.challenge = false;
  EXPECT_FALSE(HeaderOf(AuthRefused(none), "WWW-Authenticate").has_value());
  http::Response wrong =
      AuthRefused({auth::Verdict::kForbidden, false, "Wrong authentication for type \"token\""});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(Body(wrong).at("error").as_string(), "Wrong authentication for type \"token\"");
}

TEST(RouteNotFoundTest, TheOriginalsShape) {
  http::Response r = RouteNotFound("GET", "/x");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r), (json::object{{"message", "Route GET:/x not found"},
                                   {"error", "Not Found"},
                                   {"statusCode", 404}}));
}

TEST(RefusalResponseTest, ReasonAndMessage) {
  http::Response big = RefusalResponse(Status::PayloadTooLarge("the request body is larger"));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Body(big), (json::object{{"error", "Payload Too Large"},
                                     {"message", "the request body is larger"}}));
  EXPECT_EQ(ErrorResponse(Status::PayloadTooLarge("x")).body,
            RefusalResponse(Status::PayloadTooLarge("x")).body);
  http::Response headers = RefusalResponse(Status::HeadersTooLarge("too large"));
  EXPECT_EQ(headers.status, 431);
  EXPECT_EQ(Body(headers).at("error").as_string(), "Request Header Fields Too Large");
  http::Response malformed = RefusalResponse(Status::InvalidArgument("request", "malformed"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Body(malformed).at("error").as_string(), "Bad Request");
  http::Response full = RefusalResponse(Status::Unavailable("too many connections"));
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(Body(full).at("error").as_string(), "Service Unavailable");
  EXPECT_EQ(HeaderOf(full, "Retry-After"), "1");
}

}  // namespace
}  // namespace emm::api
