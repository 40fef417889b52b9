// Signed webhooks: the code host signs each delivery's raw body with a shared secret; a delivery
// whose signature does not match is refused (401) and nothing of it is stored.
#pragma once

#include <string_view>

#include "common/status.h"

namespace emm::auth {

// GitHub's X-Hub-Signature-256: "sha256=" + the hex HMAC-SHA256 of the raw body under `secret`,
// compared in constant time. kUnauthenticated (naming the header) when it is missing, malformed
// or wrong. REQUIRES: a non-empty secret.
Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value);

// Hex HMAC-SHA256 of `body` under `secret` (what a sender puts after "sha256=").
std::string HmacSha256Hex(std::string_view secret, std::string_view body);

}  // namespace emm::auth
