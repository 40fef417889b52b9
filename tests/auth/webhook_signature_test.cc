#include "auth/webhook_signature.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
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

// Linear signs with the bare hex digest (no prefix) under LINEAR_SECRET.
TEST(WebhookSignatureTest, LinearSignatureIsTheBareHexDigest) {
  const std::string body = R"({"type":"Issue"})";
  const std::string good = HmacSha256Hex("lin-secret", body);
  EXPECT_TRUE(VerifyLinearSignature("lin-secret", body, good).ok());
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(VerifyLinearSignature("lin-secret", body, upper).ok());
  for (const std::string& bad : {std::string(), "sha256=" + good, good.substr(1),
                                 HmacSha256Hex("other", body)}) {
    Status s = VerifyLinearSignature("lin-secret", body, bad);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_NE(s.message().find("Linear-Signature"), std::string::npos) << s.message();
  }
  EXPECT_NE(VerifyLinearSignature("lin-secret", body, HmacSha256Hex("other", body))
                .message()
                .find("LINEAR_SECRET"),
            std::string::npos);
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

// --- GitLab (X-Gitlab-Token) ---

TEST(WebhookSignatureTest, AGitLabTokenMustBeExactlyTheSecretToken) {
  EXPECT_TRUE(VerifyGitLabToken("t0ken", "t0ken").ok());
  for (const char* bad : {"", "t0ke", "t0ken ", "T0KEN", "t0ken\n", "other"}) {
    Status s = VerifyGitLabToken("t0ken", bad);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_NE(s.message().find("X-Gitlab-Token"), std::string::npos) << s.message();
  }
}

// --- PagerDuty (X-PagerDuty-Signature) ---

std::string TestData(const std::string& path) {
  std::ifstream in(std::string(EMM_TESTDATA) + "/" + path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// PagerDuty's own test vector (go-pagerduty, webhookv3_test.go: its secret, body and signature).
constexpr std::string_view kPagerDutySecret =
    "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK";
constexpr std::string_view kPagerDutySignature =
    "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd";

TEST(PagerDutySignatureTest, PagerDutysTestVectorVerifies) {
  const std::string body = TestData("pagerduty/signature-check.raw-json");
  ASSERT_EQ(body.size(), 1655u);
  EXPECT_TRUE(VerifyPagerDutySignature(kPagerDutySecret, body, kPagerDutySignature).ok());
  // Its "mismatch" case.
  Status s = VerifyPagerDutySignature(
      kPagerDutySecret, body,
      "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("PAGERDUTY_WEBHOOK_SECRET"), std::string::npos) << s.message();
}

TEST(PagerDutySignatureTest, AnyOfSeveralSignaturesMatches) {
  const std::string body = R"({"event":{"id":"e1"}})";
  const std::string good = "v1=" + HmacSha256Hex("new-secret", body);
  const std::string old = "v1=" + HmacSha256Hex("old-secret", body);
  // While a secret rotates PagerDuty signs with both; either order, with or without spaces.
  EXPECT_TRUE(VerifyPagerDutySignature("new-secret", body, old + "," + good).ok());
  EXPECT_TRUE(VerifyPagerDutySignature("new-secret", body, good + ", " + old).ok());
  EXPECT_TRUE(VerifyPagerDutySignature("old-secret", body, old + "," + good).ok());
  // Another version beside ours is skipped, not refused.
  EXPECT_TRUE(VerifyPagerDutySignature("new-secret", body, "v2=abc," + good).ok());
  std::string upper = good;
  for (size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(VerifyPagerDutySignature("new-secret", body, upper).ok());
}

TEST(PagerDutySignatureTest, AnythingElseIsUnauthenticatedNamingTheHeader) {
  const std::string body = R"({"event":{"id":"e1"}})";
  const std::string good = "v1=" + HmacSha256Hex("s3cret", body);
  for (const std::string& bad :
       {std::string(), std::string(" "), std::string("sha256=") + HmacSha256Hex("s3cret", body),
        good.substr(0, good.size() - 1), "v1=" + HmacSha256Hex("other", body),
        "v1=" + HmacSha256Hex("other", body) + ",v1=" + HmacSha256Hex("another", body)}) {
    Status s = VerifyPagerDutySignature("s3cret", body, bad);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_NE(s.message().find("X-PagerDuty-Signature"), std::string::npos) << s.message();
  }
  EXPECT_EQ(VerifyPagerDutySignature("s3cret", R"({"event":{"id":"e2"}})", good).code(),
            StatusCode::kUnauthenticated);
}

// --- Svix / incident.io (webhook-id, webhook-timestamp, webhook-signature) ---

// Svix's documented example ("Verifying webhooks manually"; also in its libraries' tests).
constexpr std::string_view kSvixSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSvixId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::string_view kSvixTimestamp = "1614265330";
constexpr std::string_view kSvixBody = R"({"test": 2432232314})";
constexpr std::string_view kSvixSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr TimeMs kSvixSentMs = 1614265330000;

Status VerifySvix(std::string_view signature, TimeMs now, std::string_view body = kSvixBody,
                  std::string_view id = kSvixId, std::string_view timestamp = kSvixTimestamp) {
  return VerifySvixSignature(kSvixSecret, "INCIDENT_IO_WEBHOOK_SECRET", {id, timestamp, signature},
                             body, now);
}

TEST(SvixSignatureTest, SvixsDocumentedExampleVerifies) {
  EXPECT_TRUE(VerifySvix(kSvixSignature, kSvixSentMs).ok());
  // Up to 5 minutes either way of this server's clock.
  EXPECT_TRUE(VerifySvix(kSvixSignature, kSvixSentMs + kSvixTolerance).ok());
  EXPECT_TRUE(VerifySvix(kSvixSignature, kSvixSentMs - kSvixTolerance).ok());
  // The secret without its prefix is the same key.
  EXPECT_TRUE(VerifySvixSignature(kSvixSecret.substr(6), "S", {kSvixId, kSvixTimestamp,
                                                              kSvixSignature},
                                  kSvixBody, kSvixSentMs)
                  .ok());
  // Several signatures (a rotation), and versions that are not v1, are read past.
  const std::string several = "v1a,c29tZXRoaW5n v1,bm90IGl0 " + std::string(kSvixSignature);
  EXPECT_TRUE(VerifySvix(several, kSvixSentMs).ok());
}

TEST(SvixSignatureTest, AnOldOrFutureTimestampIsRefused) {
  for (TimeMs now : {kSvixSentMs + kSvixTolerance + 1000, kSvixSentMs - kSvixTolerance - 1000}) {
    Status s = VerifySvix(kSvixSignature, now);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
    EXPECT_NE(s.message().find("webhook-timestamp"), std::string::npos) << s.message();
  }
  for (std::string_view ts : {"", "16142653301x", "-5", "1.6e9"}) {
    Status s = VerifySvix(kSvixSignature, kSvixSentMs, kSvixBody, kSvixId, ts);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << ts;
    EXPECT_NE(s.message().find("webhook-timestamp"), std::string::npos) << s.message();
  }
}

TEST(SvixSignatureTest, AnythingElseIsUnauthenticatedNamingTheHeader) {
  // The id and the timestamp are signed too: changing either breaks the signature.
  EXPECT_EQ(VerifySvix(kSvixSignature, kSvixSentMs, kSvixBody, "msg_other").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifySvix(kSvixSignature, kSvixSentMs + 1000, kSvixBody, kSvixId, "1614265331")
                .code(),
            StatusCode::kUnauthenticated);
  Status body = VerifySvix(kSvixSignature, kSvixSentMs, R"({"test": 2432232315})");
  EXPECT_EQ(body.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(body.message().find("INCIDENT_IO_WEBHOOK_SECRET"), std::string::npos);
  for (std::string_view bad : {"", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                               "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}) {
    Status s = VerifySvix(bad, kSvixSentMs);
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << bad;
    EXPECT_NE(s.message().find("webhook-signature"), std::string::npos) << s.message();
  }
  Status no_id = VerifySvix(kSvixSignature, kSvixSentMs, kSvixBody, "");
  EXPECT_NE(no_id.message().find("webhook-id"), std::string::npos) << no_id.message();
}

TEST(SvixSignatureTest, ASecretThatIsNotOneIsAConfigurationError) {
  EXPECT_TRUE(IsSvixSecret(kSvixSecret));
  for (std::string_view bad : {"", "whsec_", "whsec_not base64!", "plain-password"}) {
    EXPECT_FALSE(IsSvixSecret(bad)) << bad;
    Status s = VerifySvixSignature(bad, "INCIDENT_IO_WEBHOOK_SECRET",
                                   {kSvixId, kSvixTimestamp, kSvixSignature}, kSvixBody,
                                   kSvixSentMs);
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << bad;
    EXPECT_NE(s.message().find("INCIDENT_IO_WEBHOOK_SECRET"), std::string::npos);
  }
}

}  // namespace
}  // namespace emm::auth
