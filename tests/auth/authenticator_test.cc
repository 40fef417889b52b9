#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "auth/crypto.h"

namespace emm::auth {
namespace {

std::string BasicHeader(std::string_view user, std::string_view password) {
  return "Basic " + Base64Encode(std::string(user) + ":" + std::string(password));
}

AuthSettings Basic(std::string user, std::string password) {
  AuthSettings s;
  s.basic_username = std::move(user);
  s.basic_password = std::move(password);
  return s;
}

AuthSettings TokenOnly(std::string token) {
  AuthSettings s;
  s.token = std::move(token);
  return s;
}

Verdict VerdictOf(const Authenticator& a, std::optional<std::string_view> header) {
  return a.Check(header).verdict;
}

// --- no auth ---

TEST(AuthenticatorTest, NoAuthAllowsAnything) {
  AuthSettings s;
  s.no_auth = true;
  s.token = "t";
  s.basic_username = "u";
  Authenticator a(s);
  for (std::optional<std::string_view> h :
       {std::optional<std::string_view>(), std::optional<std::string_view>("Token wrong"),
        std::optional<std::string_view>("Basic Zm9v"), std::optional<std::string_view>("chicken"),
        std::optional<std::string_view>("")}) {
    Decision d = a.Check(h);
    EXPECT_EQ(d.verdict, Verdict::kAllow) << h.value_or("(none)");
    EXPECT_FALSE(d.challenge);
  }
}

// --- basic only ---

class BasicOnlyTest : public ::testing::TestWithParam<AuthSettings> {};

TEST_P(BasicOnlyTest, NoHeaderIsUnauthorizedWithChallenge) {
  Authenticator a(GetParam());
  EXPECT_TRUE(a.basic_enabled());
  Decision d = a.Check(std::nullopt);
  EXPECT_EQ(d.verdict, Verdict::kUnauthorized);
  EXPECT_TRUE(d.challenge);
}

TEST_P(BasicOnlyTest, GoodCredentialsAllow) {
  Authenticator a(GetParam());
  std::string h = BasicHeader(GetParam().basic_username, GetParam().basic_password);
  Decision d = a.Check(h);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_FALSE(d.challenge);
}

TEST_P(BasicOnlyTest, SchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  Authenticator a(GetParam());
  std::string cred = Base64Encode(GetParam().basic_username + ":" + GetParam().basic_password);
  EXPECT_EQ(VerdictOf(a, "basic " + cred), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, "BASIC " + cred), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, "Basic   " + cred + "  "), Verdict::kAllow);
}

TEST_P(BasicOnlyTest, WrongCredentialsAreForbidden) {
  Authenticator a(GetParam());
  Decision d = a.Check(BasicHeader("intruder", "guess"));
  EXPECT_EQ(d.verdict, Verdict::kForbidden);
  EXPECT_FALSE(d.challenge);
  EXPECT_EQ(VerdictOf(a, BasicHeader(GetParam().basic_username, GetParam().basic_password + "x")),
            Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, "Basic not-base64!"), Verdict::kForbidden);
}

TEST_P(BasicOnlyTest, OtherSchemesAreUnauthorizedWithChallenge) {
  Authenticator a(GetParam());
  for (std::string_view h : {"Bearer x", "chicken", "Basic", "Basicx Zm9v", ""}) {
    Decision d = a.Check(h);
    EXPECT_EQ(d.verdict, Verdict::kUnauthorized) << "'" << h << "'";
    EXPECT_TRUE(d.challenge) << "'" << h << "'";
  }
}

TEST_P(BasicOnlyTest, TokenHeaderIsForbiddenWhenNoTokenIsConfigured) {
  Authenticator a(GetParam());
  EXPECT_EQ(VerdictOf(a, "Token anything"), Verdict::kForbidden);
}

INSTANTIATE_TEST_SUITE_P(UserPasswordCombinations, BasicOnlyTest,
                         ::testing::Values(Basic("user", ""), Basic("", "pass"),
                                           Basic("user", "pass")),
                         [](const ::testing::TestParamInfo<AuthSettings>& info) {
                           const AuthSettings& s = info.param;
                           if (s.basic_password.empty()) return std::string("UserOnly");
                           if (s.basic_username.empty()) return std::string("PasswordOnly");
                           return std::string("UserAndPassword");
                         });

TEST(AuthenticatorTest, BasicUserOnlyRejectsAnEmptyPasswordForAnotherUser) {
  Authenticator a(Basic("user", ""));
  EXPECT_EQ(VerdictOf(a, BasicHeader("user", "")), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, BasicHeader("", "")), Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, BasicHeader("user", "pass")), Verdict::kForbidden);
}

// --- token only ---

TEST(AuthenticatorTest, TokenOnlyNoHeaderIsUnauthorizedWithoutChallenge) {
  Authenticator a(TokenOnly("s"));
  EXPECT_FALSE(a.basic_enabled());
  Decision d = a.Check(std::nullopt);
  EXPECT_EQ(d.verdict, Verdict::kUnauthorized);
  EXPECT_FALSE(d.challenge);
}

TEST(AuthenticatorTest, TokenOnlyGoodTokenAllows) {
  Authenticator a(TokenOnly("s3cret"));
  EXPECT_EQ(VerdictOf(a, "Token s3cret"), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, "token s3cret"), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, "TOKEN s3cret"), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, "Token\ts3cret "), Verdict::kAllow);
}

TEST(AuthenticatorTest, TokenOnlyWrongTokenIsForbidden) {
  Authenticator a(TokenOnly("s3cret"));
  Decision d = a.Check("Token nope");
  EXPECT_EQ(d.verdict, Verdict::kForbidden);
  EXPECT_FALSE(d.challenge);
  EXPECT_EQ(VerdictOf(a, "Token S3CRET"), Verdict::kForbidden);  // the token is case-sensitive
  EXPECT_EQ(VerdictOf(a, "Token s3cre"), Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, "Token s3cret2"), Verdict::kForbidden);
}

TEST(AuthenticatorTest, TokenOnlyOtherSchemesAreUnauthorizedWithoutChallenge) {
  Authenticator a(TokenOnly("s"));
  for (std::string_view h :
       {"Bearer s", "chicken", "s", "Token", "Tokens s", "Basic dXNlcjpwYXNz"}) {
    Decision d = a.Check(h);
    EXPECT_EQ(d.verdict, Verdict::kUnauthorized) << "'" << h << "'";
    EXPECT_FALSE(d.challenge) << "'" << h << "'";
  }
}

// --- token and basic ---

TEST(AuthenticatorTest, TokenAndBasicEitherGoodCredentialAllows) {
  AuthSettings s = Basic("user", "pass");
  s.token = "tok";
  Authenticator a(s);
  EXPECT_EQ(VerdictOf(a, "Token tok"), Verdict::kAllow);
  EXPECT_EQ(VerdictOf(a, BasicHeader("user", "pass")), Verdict::kAllow);
}

TEST(AuthenticatorTest, TokenAndBasicEitherWrongCredentialIsForbidden) {
  AuthSettings s = Basic("user", "pass");
  s.token = "tok";
  Authenticator a(s);
  EXPECT_EQ(VerdictOf(a, "Token pass"), Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, BasicHeader("user", "tok")), Verdict::kForbidden);
  // Credentials of one scheme are not accepted under the other.
  EXPECT_EQ(VerdictOf(a, "Basic tok"), Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, "Token " + Base64Encode("user:pass")), Verdict::kForbidden);
}

TEST(AuthenticatorTest, TokenAndBasicNoHeaderOrOtherSchemeChallenges) {
  AuthSettings s = Basic("user", "pass");
  s.token = "tok";
  Authenticator a(s);
  Decision none = a.Check(std::nullopt);
  EXPECT_EQ(none.verdict, Verdict::kUnauthorized);
  EXPECT_TRUE(none.challenge);
  Decision bearer = a.Check("Bearer tok");
  EXPECT_EQ(bearer.verdict, Verdict::kUnauthorized);
  EXPECT_TRUE(bearer.challenge);
}

// --- nothing configured ---

TEST(AuthenticatorTest, NothingConfiguredRejectsEverything) {
  Authenticator a(AuthSettings{});
  EXPECT_FALSE(a.basic_enabled());
  Decision none = a.Check(std::nullopt);
  EXPECT_EQ(none.verdict, Verdict::kUnauthorized);
  EXPECT_FALSE(none.challenge);
  EXPECT_EQ(VerdictOf(a, "Token x"), Verdict::kForbidden);
  // An empty token is never a match for "no token configured".
  EXPECT_EQ(VerdictOf(a, "Token  "), Verdict::kForbidden);
  EXPECT_EQ(VerdictOf(a, "Basic " + Base64Encode(":")), Verdict::kUnauthorized);
  EXPECT_EQ(VerdictOf(a, "chicken"), Verdict::kUnauthorized);
}

TEST(AuthenticatorTest, DecisionsCarryAMessageWhenNotAllowed) {
  Authenticator a(TokenOnly("s"));
  EXPECT_FALSE(a.Check(std::nullopt).message.empty());
  EXPECT_FALSE(a.Check("Token x").message.empty());
  EXPECT_TRUE(a.Check("Token s").message.empty());
}

}  // namespace
}  // namespace emm::auth
