// The original's auth matrix (contract section 4), on the real binary.
#include <gtest/gtest.h>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

constexpr const char* kChallenge = "Basic realm=web-http";

std::string Basic(const std::string& user_pass) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < user_pass.size(); i += 3) {
    unsigned v = (unsigned char)user_pass[i] << 16 | (unsigned char)user_pass[i + 1] << 8 |
                 (unsigned char)user_pass[i + 2];
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  size_t rest = user_pass.size() - i;
  if (rest > 0) {
    unsigned v = (unsigned char)user_pass[i] << 16;
    if (rest == 2) v |= (unsigned char)user_pass[i + 1] << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return "Basic " + out;
}

class AuthTest : public ::testing::Test {
 protected:
  HttpClient Start(Env env) {
    env.try_emplace("EM_METRICS_NO_AUTH", "");
    server_ = ServerProcess::Start(dir_.path(), env);
    EXPECT_NE(server_, nullptr);
    return HttpClient(server_ ? server_->port() : 0);
  }
  static int Status(const HttpClient& c, const std::string& auth) {
    return c.Get("/api/v1/health", {{"Authorization", auth}}).status;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AuthTest, NoAuthAllowsEverything) {
  auto c = Start({{"EM_METRICS_NO_AUTH", "yes"}, {"EM_METRICS_TOKEN_AUTH", "t"}});
  EXPECT_EQ(c.Get("/api/v1/health").status, 200);
  EXPECT_EQ(Status(c, "Token wrong"), 200);
  EXPECT_EQ(Status(c, "Bearer x"), 200);
}

TEST_F(AuthTest, NoAuthFalseDoesNotDisableAuth) {
  // The original disabled auth for any value, even "false"; we need an explicit true.
  auto c = Start({{"EM_METRICS_NO_AUTH", "false"}, {"EM_METRICS_TOKEN_AUTH", "t"}});
  EXPECT_EQ(c.Get("/api/v1/health").status, 401);
  EXPECT_EQ(Status(c, "Token t"), 200);
}

TEST_F(AuthTest, BasicOnly) {
  auto c = Start(
      {{"EM_METRICS_BASIC_AUTH_USERNAME", "user"}, {"EM_METRICS_BASIC_AUTH_PASSWORD", "pass"}});
  auto none = c.Get("/api/v1/health");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), kChallenge);
  EXPECT_EQ(Status(c, Basic("user:pass")), 200);
  EXPECT_EQ(Status(c, Basic("user:nope")), 403);
  auto wrong = c.Get("/api/v1/health", {{"Authorization", Basic("user:nope")}});
  EXPECT_NE(wrong.body.find("Wrong authentication for type \\\"basic\\\""), std::string::npos);
  EXPECT_EQ(Status(c, "Bearer abc"), 401);
  EXPECT_EQ(Status(c, "chicken"), 401);
  EXPECT_EQ(Status(c, "Token abc"), 403);  // no token configured: every Token is wrong
}

TEST_F(AuthTest, BasicWithUsernameOnly) {
  auto c = Start({{"EM_METRICS_BASIC_AUTH_USERNAME", "user"}});
  EXPECT_EQ(c.Get("/api/v1/health").Header("www-authenticate"), kChallenge);
  EXPECT_EQ(Status(c, Basic("user:")), 200);
  EXPECT_EQ(Status(c, Basic("user:x")), 403);
}

TEST_F(AuthTest, BasicWithPasswordOnly) {
  auto c = Start({{"EM_METRICS_BASIC_AUTH_PASSWORD", "pw"}});
  EXPECT_EQ(Status(c, Basic(":pw")), 200);
  EXPECT_EQ(Status(c, Basic("x:pw")), 403);
}

TEST_F(AuthTest, TokenOnly) {
  auto c = Start({{"EM_METRICS_TOKEN_AUTH", "s3cret"}});
  auto none = c.Get("/api/v1/health");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "");
  EXPECT_EQ(Status(c, "Token s3cret"), 200);
  EXPECT_EQ(Status(c, "token s3cret"), 200);  // the original's GitHub Action sends lower case
  EXPECT_EQ(Status(c, "TOKEN   s3cret  "), 200);
  EXPECT_EQ(Status(c, "Token s3cre"), 403);
  EXPECT_EQ(Status(c, "Token s3cret-and-more"), 403);
  EXPECT_EQ(Status(c, "Bearer s3cret"), 401);
  EXPECT_EQ(Status(c, Basic("a:b")), 401);  // basic not configured: no scheme matches
}

TEST_F(AuthTest, TokenAndBasic) {
  auto c = Start({{"EM_METRICS_TOKEN_AUTH", "tok"},
                  {"EM_METRICS_BASIC_AUTH_USERNAME", "u"},
                  {"EM_METRICS_BASIC_AUTH_PASSWORD", "p"}});
  auto none = c.Get("/api/v1/health");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), kChallenge);
  EXPECT_EQ(Status(c, "Token tok"), 200);
  EXPECT_EQ(Status(c, Basic("u:p")), 200);
  EXPECT_EQ(Status(c, "Token nope"), 403);
  EXPECT_EQ(Status(c, Basic("u:nope")), 403);
  EXPECT_EQ(Status(c, "Plep tok"), 401);
}

TEST_F(AuthTest, NothingConfiguredRefusesEverything) {
  auto c = Start({});
  EXPECT_EQ(c.Get("/api/v1/health").status, 401);
  EXPECT_EQ(Status(c, "Token anything"), 403);
  EXPECT_EQ(Status(c, Basic("a:b")), 401);
  EXPECT_EQ(c.Get("/health").status, 200);  // always open
}

TEST_F(AuthTest, EveryApiRouteIsProtectedButHealth) {
  auto c = Start({{"EM_METRICS_TOKEN_AUTH", "tok"}});
  EXPECT_EQ(c.Get("/health").status, 200);
  for (const char* path : {"/api/v1/version", "/api/v1/config", "/api/v1/deployments",
                           "/api/v1/deployments/x", "/api/v1/incidents", "/api/v1/incidents/x"}) {
    EXPECT_EQ(c.Get(path).status, 401) << path;
  }
  for (const char* path :
       {"/api/v1/deployments", "/api/v1/deployments/x/deployed", "/api/v1/incidents",
        "/api/v1/incidents/x/restored", "/api/v1/incidents/x/finished"}) {
    EXPECT_EQ(c.Post(path, "{}").status, 401) << path;
  }
  // A refused write writes nothing.
  EXPECT_EQ(c.Post("/api/v1/deployments",
                   R"({"id":"d","project_id":"p","first_commit_at":"2024-05-01T10:00:00Z"})",
                   {{"Authorization", "Token bad"}})
                .status,
            403);
  EXPECT_EQ(c.Get("/api/v1/deployments/d", {{"Authorization", "Token tok"}}).status, 404);
}

}  // namespace
}  // namespace emm::e2e
