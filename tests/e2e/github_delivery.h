// Signing GitHub deliveries in tests, with OpenSSL's HMAC directly (independently of the server's
// code): what GitHub puts in X-Hub-Signature-256.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace emm::e2e {

inline std::string SignGitHubDelivery(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex;
}

}  // namespace emm::e2e
