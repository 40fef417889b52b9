#include "auth/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <string>

namespace emm::auth {

std::string HmacSha256Hex(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value) {
  constexpr std::string_view kHeader = "X-Hub-Signature-256";
  constexpr std::string_view kPrefix = "sha256=";
  if (header_value.empty()) {
    return Status::Unauthenticated(std::string(kHeader) + " is missing: the delivery is not signed");
  }
  if (header_value.substr(0, kPrefix.size()) != kPrefix || header_value.size() != kPrefix.size() + 64) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " must be sha256= and 64 hex digits");
  }
  const std::string expected = HmacSha256Hex(secret, body);
  std::string given(header_value.substr(kPrefix.size()));
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " does not match the body: wrong GITHUB_WEBHOOK_SECRET, or the "
                                   "body changed on the way");
  }
  return Status::Ok();
}

}  // namespace emm::auth
