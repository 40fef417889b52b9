#include "github/app_key.h"

#include <gtest/gtest.h>

#include "testing/rsa_key.h"

namespace emm::github {
namespace {

const testing::TestRsaKey& Key() {
  static const testing::TestRsaKey key = testing::MakeTestRsaKey();
  return key;
}

TEST(Base64UrlTest, UrlSafeAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");  // the URL-safe characters, no padding
}

TEST(AppKeyTest, SignsAJwtThatTheAppsPublicKeyVerifies) {
  auto key = AppKey::Parse(Key().private_pem_base64);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto jwt = key->SignJwt("Iv1.test-client", 1750000000);
  ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
  std::string why;
  auto payload = testing::VerifyRs256Jwt(*jwt, Key().public_pem, &why);
  ASSERT_TRUE(payload) << why;
  EXPECT_EQ(payload->at("iss"), "Iv1.test-client");
  EXPECT_EQ(payload->at("iat").as_int64(), 1750000000 - 60);
  EXPECT_EQ(payload->at("exp").as_int64(), 1750000000 + 540);
  // Another key's public half does not verify it.
  EXPECT_FALSE(testing::VerifyRs256Jwt(*jwt, testing::MakeTestRsaKey().public_pem, &why));
}

TEST(AppKeyTest, TakesAPemAsIsAndBase64WithLineBreaks) {
  EXPECT_TRUE(AppKey::Parse(Key().private_pem).ok());
  std::string wrapped = Key().private_pem_base64;
  for (size_t i = 76; i < wrapped.size(); i += 77) wrapped.insert(i, "\n");
  EXPECT_TRUE(AppKey::Parse(wrapped).ok());
}

TEST(AppKeyTest, ABadKeyIsRefusedNamingTheVariableNotTheKey) {
  for (const std::string& bad : {std::string(""), std::string("not base64!"),
                                std::string("aGVsbG8gd29ybGQ="),  // "hello world"
                                Key().private_pem_base64.substr(0, 400)}) {
    auto key = AppKey::Parse(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(key.status().ToString().find("GITHUB_RSA_PEM_KEY_B64"), std::string::npos)
        << key.status().ToString();
    if (!bad.empty()) {
      EXPECT_EQ(key.status().ToString().find(bad.substr(0, 20)), std::string::npos);
    }
  }
}

TEST(AppKeyTest, AnIssuerThatWouldBreakTheJsonIsRefused) {
  auto key = AppKey::Parse(Key().private_pem_base64);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->SignJwt("a\"b", 1).ok());
}

}  // namespace
}  // namespace emm::github
