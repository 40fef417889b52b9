// Signing deliveries the way the providers do, with OpenSSL directly (independently of the
// server's auth/ code), and reading the providers' documented payloads from tests/testdata.
#pragma once

#include <cstdint>
#include <string>

#include "e2e/http_client.h"

namespace emm::e2e {

// tests/testdata/<path>, byte for byte ("" when missing).
std::string TestData(const std::string& path);

// The hex HMAC-SHA256 of `body` under `secret` (GitHub after "sha256=", PagerDuty after "v1=").
std::string HexHmacSha256(const std::string& secret, const std::string& body);

// GitHub's X-Hub-Signature-256 value: "sha256=" and the hex HMAC-SHA256.
inline std::string GitHubSignature(const std::string& secret, const std::string& body) {
  return "sha256=" + HexHmacSha256(secret, body);
}

// Posts `body` to /webhooks/github as GitHub delivers `event`: X-GitHub-Event,
// X-GitHub-Delivery `delivery` and X-Hub-Signature-256 `signature` (left out when empty).
HttpResponse PostGitHubDelivery(uint16_t port, const std::string& event, const std::string& body,
                                const std::string& delivery, const std::string& signature);

// Svix's webhook-signature value ("v1,<base64>") for a delivery, under the base64 `key` of a
// whsec_ secret.
std::string SvixSignature(const std::string& base64_key, const std::string& id,
                          const std::string& timestamp, const std::string& body);

// Pads the JSON object `body` with a string field `name` so that it is exactly `size` bytes.
std::string PadTo(const std::string& body, const std::string& name, size_t size);

}  // namespace emm::e2e
