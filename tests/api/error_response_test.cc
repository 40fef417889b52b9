// The mappings added when 401, 403, 413 and 431 moved into error_response (the older cases are
// in router_test.cc).
#include "api/error_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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
