// A throw-away RSA key made at test time (no key file in the tree) and an RS256 JWT check that
// shares no code with the server's signing, for the GitHub App tests.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

namespace emm::testing {

struct TestRsaKey {
  std::string private_pem;  // PKCS#1 ("BEGIN RSA PRIVATE KEY"), as GitHub hands App keys out
  std::string public_pem;   // SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")
  std::string private_pem_base64;  // what GITHUB_RSA_PEM_KEY_B64 holds
};

// A fresh 2048-bit key (tens of milliseconds). Aborts the test binary if OpenSSL fails.
TestRsaKey MakeTestRsaKey();

// Checks a compact JWT: three base64url parts, header {"alg":"RS256","typ":"JWT"}, an RS256
// signature that `public_pem` verifies. The payload, or nullopt with `why` set.
std::optional<boost::json::object> VerifyRs256Jwt(const std::string& jwt,
                                                  const std::string& public_pem, std::string* why);

}  // namespace emm::testing
