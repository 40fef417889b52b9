#include "auth/webhook_signature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace emm::auth {
namespace {

// The original's recorded delivery, signed with its published test secret (fixtures README).
constexpr std::string_view kTestSecret = "T3u)bKR>4Bgg9[Rgje@t`8<?#jSpU=0z";
constexpr std::string_view kRecordedSignature =
    "sha256=fa4e637ffdb6db72312f2b6b111595dcce287ea90384a2feebdeb74a1c224676";

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(EMM_SHARED_FIXTURES) + "/github-events/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WebhookSignatureTest, TheRecordedDeliveryVerifies) {
  const std::string body = Fixture("signature-check.raw-json");
  if (body.empty()) GTEST_SKIP() << "shared fixtures not found beside the checkout";
  EXPECT_TRUE(VerifyGitHubSignature(kTestSecret, body, kRecordedSignature).ok());
  // Upper-case hex is the same signature.
  std::string upper(kRecordedSignature);
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(VerifyGitHubSignature(kTestSecret, body, upper).ok());
}

TEST(WebhookSignatureTest, AnythingElseIsUnauthenticatedNamingTheHeader) {
  const std::string body = R"({"action":"opened"})";
  const std::string good = "sha256=" + HmacSha256Hex("s3cret", body);
  EXPECT_TRUE(VerifyGitHubSignature("s3cret", body, good).ok());
  for (const std::string& bad :
       {std::string(), std::string("sha1=abc"), std::string("sha256=") + std::string(63, 'a'),
        "sha256=" + HmacSha256Hex("other", body)}) {
    Status s = VerifyGitHubSignature("s3cret", body, bad);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_NE(s.message().find("X-Hub-Signature-256"), std::string::npos) << s.message();
  }
  // One changed byte of the body.
  EXPECT_EQ(VerifyGitHubSignature("s3cret", R"({"action":"closed"})", good).code(),
            StatusCode::kUnauthenticated);
}

// RFC 4231 test case 2: the HMAC itself.
TEST(WebhookSignatureTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace emm::auth
