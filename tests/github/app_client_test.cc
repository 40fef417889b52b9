#include "github/app_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "testing/rsa_key.h"

namespace emm::github {
namespace {

class ManualClock final : public Clock {
 public:
  TimeMs NowMs() const override { return now; }
  TimeMs now = 1750000000000;  // 2025-06-15T15:06:40Z
};

// Answers every request with `answer(request)` and keeps what was asked.
class FakeTransport final : public net::HttpTransport {
 public:
  net::OutboundResponse Send(const net::OutboundRequest& r) override {
    requests.push_back(r);
    return answer(r);
  }
  std::function<net::OutboundResponse(const net::OutboundRequest&)> answer;
  std::vector<net::OutboundRequest> requests;
};

std::string HeaderOf(const net::OutboundRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

net::OutboundResponse Json(int status, std::string body, net::HeaderList headers = {}) {
  return {status, "", std::move(body), std::move(headers)};
}

const testing::TestRsaKey& TestKey() {
  static const testing::TestRsaKey key = testing::MakeTestRsaKey();
  return key;
}

class AppClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport_.answer = [this](const net::OutboundRequest& r) { return Default(r); };
  }
  AppClient Make(std::string endpoint = "https://ghe.example/api/v3/") {
    AppOptions o;
    o.endpoint = std::move(endpoint);
    o.client_id = "Iv1.client";
    o.user_agent = "em-metrics/test";
    auto key = AppKey::Parse(TestKey().private_pem_base64);
    EXPECT_TRUE(key.ok());
    return AppClient(o, *key, &transport_, &clock_);
  }
  // Tokens valid for an hour; one page of two comments, one of them a reply.
  net::OutboundResponse Default(const net::OutboundRequest& r) {
    if (r.url.find("/access_tokens") != std::string::npos) {
      ++tokens_issued_;
      return Json(201, R"({"token":"ghs_)" + std::to_string(tokens_issued_) +
                           R"(","expires_at":")" + FormatTimestamp(clock_.now + 3600000) +
                           R"("})");
    }
    return Json(200, R"([{"id":1},{"id":2,"in_reply_to_id":1}])");
  }
  TimeMs Deadline() const { return clock_.now + 8000; }
  ReviewRef Ref() const { return {42, "acme/api", 7, 99}; }

  ManualClock clock_;
  FakeTransport transport_;
  int tokens_issued_ = 0;
};

TEST_F(AppClientTest, AsksForAnInstallationTokenWithAVerifiableJwtThenReadsWithIt) {
  AppClient client = Make();
  auto comments = client.ListReviewComments(Ref(), Deadline());
  ASSERT_TRUE(comments.ok()) << comments.status().ToString();
  ASSERT_EQ(comments->size(), 2u);
  EXPECT_EQ((*comments)[0].in_reply_to_id, std::nullopt);
  EXPECT_EQ((*comments)[1].in_reply_to_id, 1);

  ASSERT_EQ(transport_.requests.size(), 2u);
  const auto& token = transport_.requests[0];
  EXPECT_EQ(token.method, "POST");
  // GITHUB_ENDPOINT's trailing '/' is not doubled.
  EXPECT_EQ(token.url, "https://ghe.example/api/v3/app/installations/42/access_tokens");
  std::string auth = HeaderOf(token, "Authorization");
  ASSERT_EQ(auth.rfind("Bearer ", 0), 0u);
  std::string why;
  auto payload = testing::VerifyRs256Jwt(auth.substr(7), TestKey().public_pem, &why);
  ASSERT_TRUE(payload) << why;
  EXPECT_EQ(payload->at("iss"), "Iv1.client");
  EXPECT_EQ(payload->at("iat").as_int64(), clock_.now / 1000 - 60);

  const auto& get = transport_.requests[1];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.url, "https://ghe.example/api/v3/repos/acme/api/pulls/7/reviews/99/comments?per_page=100");
  EXPECT_EQ(HeaderOf(get, "Authorization"), "Bearer ghs_1");
  EXPECT_EQ(HeaderOf(get, "Accept"), "application/vnd.github+json");
  EXPECT_EQ(HeaderOf(get, "User-Agent"), "em-metrics/test");
  EXPECT_GT(get.timeout_ms, 0);
  EXPECT_LE(get.timeout_ms, 8000);
}

TEST_F(AppClientTest, CachesTheTokenPerInstallationUntilShortlyBeforeItExpires) {
  AppClient client = Make();
  ASSERT_TRUE(client.ListReviewComments(Ref(), Deadline()).ok());
  ASSERT_TRUE(client.ListReviewComments(Ref(), Deadline()).ok());
  EXPECT_EQ(client.token_requests(), 1);
  ReviewRef other = Ref();
  other.installation_id = 43;
  ASSERT_TRUE(client.ListReviewComments(other, Deadline()).ok());
  EXPECT_EQ(client.token_requests(), 2);
  // 59 minutes later the first installation's token is within a minute of expiring: renewed.
  clock_.now += 59 * 60000 + 1;
  ASSERT_TRUE(client.ListReviewComments(Ref(), Deadline()).ok());
  EXPECT_EQ(client.token_requests(), 3);
  EXPECT_EQ(HeaderOf(transport_.requests.back(), "Authorization"), "Bearer ghs_3");
}

TEST_F(AppClientTest, ARevokedTokenIsReplacedOnce) {
  AppClient client = Make();
  ASSERT_TRUE(client.ListReviewComments(Ref(), Deadline()).ok());
  transport_.answer = [this](const net::OutboundRequest& r) {
    if (HeaderOf(r, "Authorization") == "Bearer ghs_1") return Json(401, R"({"message":"Bad credentials"})");
    return Default(r);
  };
  ASSERT_TRUE(client.ListReviewComments(Ref(), Deadline()).ok());
  EXPECT_EQ(client.token_requests(), 2);
  // A token refused twice is a failure, not a loop.
  transport_.answer = [](const net::OutboundRequest& r) {
    if (r.url.find("/access_tokens") != std::string::npos) {
      return Json(201, R"({"token":"ghs_x","expires_at":"2099-01-01T00:00:00Z"})");
    }
    return Json(401, R"({"message":"Bad credentials"})");
  };
  auto r = client.ListReviewComments(Ref(), Deadline());
  EXPECT_EQ(r.status().code(), StatusCode::kUpstream);
  EXPECT_NE(r.status().message().find("Bad credentials"), std::string::npos) << r.status().message();
}

TEST_F(AppClientTest, FollowsTheNextLinkThroughEveryPage) {
  AppClient client = Make("https://api.github.com");
  transport_.answer = [this](const net::OutboundRequest& r) {
    if (r.url.find("page=3") != std::string::npos) return Json(200, R"([{"id":5}])");
    if (r.url.find("page=2") != std::string::npos) {
      return Json(200, R"([{"id":3},{"id":4}])",
                  {{"link", "<https://api.github.com/x?page=3>; rel=\"next\""}});
    }
    if (r.url.find("/comments") != std::string::npos) {
      return Json(200, R"([{"id":1},{"id":2}])",
                  {{"link", "<https://api.github.com/x?page=2>; rel=\"next\", "
                            "<https://api.github.com/x?page=3>; rel=\"last\""}});
    }
    return Default(r);
  };
  auto comments = client.ListReviewComments(Ref(), Deadline());
  ASSERT_TRUE(comments.ok()) << comments.status().ToString();
  EXPECT_EQ(comments->size(), 5u);
  EXPECT_EQ(transport_.requests.back().url, "https://api.github.com/x?page=3");
}

TEST_F(AppClientTest, TheTokenIsNeverSentOutsideTheEndpoint) {
  AppClient client = Make("https://api.github.com");
  transport_.answer = [this](const net::OutboundRequest& r) {
    if (r.url.find("/comments") != std::string::npos) {
      return Json(200, "[]", {{"link", "<https://api.github.com.evil.example/x>; rel=\"next\""}});
    }
    return Default(r);
  };
  auto r = client.ListReviewComments(Ref(), Deadline());
  EXPECT_EQ(r.status().code(), StatusCode::kUpstream);
  for (const auto& req : transport_.requests) {
    EXPECT_EQ(req.url.find("evil"), std::string::npos);
  }
}

TEST_F(AppClientTest, UnreachableFiveHundredsRefusalsAndGarbageAreUpstreamErrors) {
  AppClient client = Make();
  const std::vector<std::pair<net::OutboundResponse, std::string>> cases = {
      {{0, "Connection refused", "", {}}, "Connection refused"},
      {Json(503, "oops"), "503"},
      {Json(404, R"({"message":"Not Found"})"), "still installed"},
      {Json(401, R"({"message":"A JSON web token could not be decoded"})"), "GITHUB_CLIENT_ID"},
      {Json(201, R"({"token":"t"})"), "expires_at"},
  };
  for (const auto& [answer, says] : cases) {
    transport_.answer = [a = answer](const net::OutboundRequest&) { return a; };
    auto r = client.ListReviewComments(Ref(), Deadline());
    EXPECT_EQ(r.status().code(), StatusCode::kUpstream) << says;
    EXPECT_NE(r.status().message().find(says), std::string::npos) << r.status().message();
  }
  transport_.answer = [this](const net::OutboundRequest& r) {
    if (r.url.find("/comments") != std::string::npos) return Json(200, R"({"not":"an array"})");
    return Default(r);
  };
  EXPECT_EQ(client.ListReviewComments(Ref(), Deadline()).status().code(), StatusCode::kUpstream);
}

TEST_F(AppClientTest, NothingIsSentOnceTheDeadlinePassed) {
  AppClient client = Make();
  auto r = client.ListReviewComments(Ref(), clock_.now);
  EXPECT_EQ(r.status().code(), StatusCode::kUpstream);
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(AppClientTest, ReadsACommitsAuthorDate) {
  AppClient client = Make();
  transport_.answer = [this](const net::OutboundRequest& r) {
    if (r.url.find("/commits/") != std::string::npos) {
      return Json(200, R"({"sha":"abc123","commit":{"author":{"date":"2025-06-01T10:00:00Z"}}})");
    }
    return Default(r);
  };
  auto at = client.CommitAuthoredAt(42, "acme/api", "abc123", Deadline());
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(*at, *ParseTimestamp("2025-06-01T10:00:00Z"));
  EXPECT_EQ(transport_.requests.back().url, "https://ghe.example/api/v3/repos/acme/api/commits/abc123");
  EXPECT_EQ(client.CommitAuthoredAt(42, "acme/api", "../x", Deadline()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RepositoryNameTest, OnlyOwnerSlashName) {
  EXPECT_TRUE(IsRepositoryName("jsmrcaga/em-metrics"));
  EXPECT_TRUE(IsRepositoryName("a_b/c.d"));
  for (const char* bad : {"", "acme", "acme/", "/api", "a/b/c", "a/..", "a/b?x=1", "a/b c", "a/%2e"}) {
    EXPECT_FALSE(IsRepositoryName(bad)) << bad;
  }
}

}  // namespace
}  // namespace emm::github
