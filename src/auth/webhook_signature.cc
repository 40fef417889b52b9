#include "auth/webhook_signature.h"

#include <cctype>
#include <charconv>
#include <string>

#include "auth/crypto.h"
#include "common/strings.h"

namespace emm::auth {
namespace {

// The key of a Svix secret: the base64 after an optional "whsec_".
std::optional<std::string> SvixKey(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) == kPrefix) secret.remove_prefix(kPrefix.size());
  auto key = Base64Decode(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

}  // namespace

Status VerifyGitLabToken(std::string_view token, std::string_view header_value) {
  constexpr std::string_view kHeader = "X-Gitlab-Token";
  if (header_value.empty()) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " is missing: set the webhook's secret token in GitLab");
  }
  // Both sides hashed to one length first, so the comparison time tells nothing of the token's
  // length either.
  if (!ConstantTimeEquals(HmacSha256(kHeader, token), HmacSha256(kHeader, header_value))) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " does not match GITLAB_WEBHOOK_TOKEN");
  }
  return Status::Ok();
}

// One hex HMAC-SHA256 of the body in `header_value`, after `prefix` (GitHub's and Linear's
// schemes); the messages name `header` and, on a mismatch, the secret's variable.
Status VerifyHexSignature(std::string_view header, std::string_view prefix,
                          std::string_view secret_name, std::string_view secret,
                          std::string_view body, std::string_view header_value) {
  const std::string name(header);
  if (header_value.empty()) {
    return Status::Unauthenticated(name + " is missing: the delivery is not signed");
  }
  if (header_value.substr(0, prefix.size()) != prefix ||
      header_value.size() != prefix.size() + 64) {
    return Status::Unauthenticated(name + " must be " + std::string(prefix) +
                                   (prefix.empty() ? "64 hex digits" : " and 64 hex digits"));
  }
  if (!ConstantTimeEquals(HmacSha256Hex(secret, body), AsciiLower(header_value.substr(prefix.size())))) {
    return Status::Unauthenticated(name + " does not match the body: wrong " +
                                   std::string(secret_name) + ", or the body changed on the way");
  }
  return Status::Ok();
}

Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value) {
  return VerifyHexSignature("X-Hub-Signature-256", "sha256=", "GITHUB_WEBHOOK_SECRET", secret,
                            body, header_value);
}

Status VerifyLinearSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value) {
  return VerifyHexSignature("Linear-Signature", "", "LINEAR_SECRET", secret, body, header_value);
}

Status VerifyPagerDutySignature(std::string_view secret, std::string_view body,
                                std::string_view header_value) {
  constexpr std::string_view kHeader = "X-PagerDuty-Signature";
  constexpr std::string_view kPrefix = "v1=";
  if (TrimBlanks(header_value).empty()) {
    return Status::Unauthenticated(std::string(kHeader) + " is missing: the delivery is not signed");
  }
  const std::string expected = HmacSha256Hex(secret, body);
  bool any_v1 = false;
  bool matched = false;
  while (!header_value.empty()) {
    size_t comma = header_value.find(',');
    std::string_view one = TrimBlanks(header_value.substr(0, comma));
    header_value.remove_prefix(comma == std::string_view::npos ? header_value.size() : comma + 1);
    if (one.substr(0, kPrefix.size()) != kPrefix) continue;  // another version: not ours to read
    any_v1 = true;
    // Every signature is compared, so the time taken does not say which one matched.
    matched |= ConstantTimeEquals(expected, AsciiLower(one.substr(kPrefix.size())));
  }
  if (!any_v1) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " holds no v1= signature (v1=<64 hex digits>, comma-separated)");
  }
  if (!matched) {
    return Status::Unauthenticated(std::string(kHeader) +
                                   " matches none of its signatures to the body: wrong "
                                   "PAGERDUTY_WEBHOOK_SECRET, or the body changed on the way");
  }
  return Status::Ok();
}

bool IsSvixSecret(std::string_view secret) { return SvixKey(secret).has_value(); }

Status VerifySvixSignature(std::string_view secret, std::string_view secret_name,
                           const SvixHeaders& headers, std::string_view body, TimeMs now) {
  auto key = SvixKey(secret);
  if (!key) {
    return Status::Unavailable(std::string(secret_name) +
                               " is not a signing secret (whsec_ and base64): no delivery can be "
                               "verified");
  }
  for (auto [name, value] : {std::pair{"webhook-id", headers.id},
                             std::pair{"webhook-timestamp", headers.timestamp},
                             std::pair{"webhook-signature", headers.signature}}) {
    if (value.empty()) {
      return Status::Unauthenticated(std::string(name) + " is missing: the delivery is not signed");
    }
  }
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(headers.timestamp.data(),
                                   headers.timestamp.data() + headers.timestamp.size(), seconds);
  if (ec != std::errc() || end != headers.timestamp.data() + headers.timestamp.size() ||
      seconds < 0 || seconds > INT64_MAX / 1000) {
    return Status::Unauthenticated("webhook-timestamp must be Unix seconds");
  }
  const TimeMs sent = seconds * 1000;
  if (sent < now - kSvixTolerance || sent > now + kSvixTolerance) {
    return Status::Unauthenticated(
        "webhook-timestamp is more than 5 minutes from this server's clock (" +
        FormatTimestamp(sent) + " against " + FormatTimestamp(now) +
        "): a replayed delivery, or a clock to correct");
  }
  std::string signed_content;
  signed_content.reserve(headers.id.size() + headers.timestamp.size() + body.size() + 2);
  signed_content.append(headers.id).append(".").append(headers.timestamp).append(".").append(body);
  const std::string expected = Base64Encode(HmacSha256(*key, signed_content));
  bool any_v1 = false;
  bool matched = false;
  std::string_view rest = headers.signature;
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    std::string_view one = rest.substr(0, space);
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
    if (one.substr(0, 3) != "v1,") continue;  // v1a (asymmetric) and later versions
    any_v1 = true;
    matched |= ConstantTimeEquals(expected, one.substr(3));
  }
  if (!any_v1) {
    return Status::Unauthenticated(
        "webhook-signature holds no v1 signature (v1,<base64>, space-separated)");
  }
  if (!matched) {
    return Status::Unauthenticated("webhook-signature matches none of its signatures to the "
                                   "delivery: wrong " +
                                   std::string(secret_name) + ", or the body changed on the way");
  }
  return Status::Ok();
}

}  // namespace emm::auth
