// Signed webhooks: a provider signs each delivery's raw body with a shared secret; a delivery
// whose signature does not match is refused (401) and nothing of it is stored. One function per
// provider's scheme, built on auth/crypto.h (OpenSSL's HMAC and base64, constant-time comparison).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "auth/crypto.h"  // the pieces the schemes share, for callers too
#include "common/status.h"
#include "common/time.h"

namespace emm::auth {

// GitHub's X-Hub-Signature-256: "sha256=" + the hex HMAC-SHA256 of the raw body under `secret`,
// compared in constant time. kUnauthenticated (naming the header) when it is missing, malformed
// or wrong. REQUIRES: a non-empty secret.
Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value);

// Linear's Linear-Signature: the hex HMAC-SHA256 of the raw body alone (no prefix), under
// LINEAR_SECRET, compared in constant time. kUnauthenticated naming the header when it is
// missing, malformed or wrong. REQUIRES: a non-empty secret.
Status VerifyLinearSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value);

// PagerDuty's X-PagerDuty-Signature (Webhooks v3): one or more "v1=" + hex HMAC-SHA256 of the raw
// body, separated by commas (several while a secret is rotated); any one matching is enough.
// kUnauthenticated naming the header otherwise. REQUIRES: a non-empty secret.
Status VerifyPagerDutySignature(std::string_view secret, std::string_view body,
                                std::string_view header_value);

// The Svix / Standard Webhooks scheme (incident.io): webhook-signature holds space-separated
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" under the base64-decoded part of the
// "whsec_..." secret; the timestamp (Unix seconds) must be within 5 minutes of `now`, so a
// captured delivery cannot be replayed later. `secret_name` (the variable) is named when nothing
// matches. kUnauthenticated naming the header at fault; kUnavailable when the secret itself is no
// whsec_ secret (a configuration mistake, not the sender's).
struct SvixHeaders {
  std::string_view id;         // webhook-id
  std::string_view timestamp;  // webhook-timestamp
  std::string_view signature;  // webhook-signature
};
Status VerifySvixSignature(std::string_view secret, std::string_view secret_name,
                           const SvixHeaders& headers, std::string_view body, TimeMs now);
inline constexpr TimeMs kSvixTolerance = 5 * 60 * 1000;

// Whether `secret` is usable by VerifySvixSignature: an optional "whsec_" then non-empty base64.
bool IsSvixSecret(std::string_view secret);

// GitLab's X-Gitlab-Token: the webhook's secret token itself, sent as is (GitLab signs nothing).
// Compared in constant time, its length included. kUnauthenticated (naming the header) when it is
// missing or wrong. REQUIRES: a non-empty token.
Status VerifyGitLabToken(std::string_view token, std::string_view header_value);

}  // namespace emm::auth
