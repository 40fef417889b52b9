// A GitHub App's private key and the JSON Web Tokens (RS256) it signs: the App's proof of identity
// when it asks GitHub for an installation access token.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace emm::github {

// Immutable once made; safe to share between threads.
class AppKey {
 public:
  // The key of GITHUB_RSA_PEM_KEY_B64: the base64 of the PEM file GitHub hands out (PKCS#1
  // "BEGIN RSA PRIVATE KEY"; PKCS#8 "BEGIN PRIVATE KEY" works too), line breaks allowed. A PEM
  // given as is is accepted as well. kInvalidArgument says what is wrong, never what the key is.
  static Result<AppKey> Parse(std::string_view value);

  // A JWT for `issuer` (the App's client ID): header {"alg":"RS256","typ":"JWT"}, payload
  // {"iat": now - 60, "exp": now + 540, "iss": issuer}, as GitHub asks: iat backdated against
  // clock drift, and a lifetime of 10 minutes, GitHub's maximum, that stays within it even when
  // this machine's clock runs up to a minute ahead of GitHub's. `now_s`: Unix seconds.
  Result<std::string> SignJwt(std::string_view issuer, int64_t now_s) const;

 private:
  struct Key;
  explicit AppKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

// RFC 4648 section 5 (URL-safe alphabet, no padding), as JWTs encode their parts.
std::string Base64UrlEncode(std::string_view data);

}  // namespace emm::github
