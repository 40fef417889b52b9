#include "auth/authenticator.h"

#include <cctype>

#include "auth/crypto.h"

namespace emm::auth {
namespace {

// "<scheme><whitespace><credential>", scheme matched case-insensitively.
std::optional<std::string_view> Credential(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  }
  if (!std::isspace(static_cast<unsigned char>(header[scheme.size()]))) return std::nullopt;
  std::string_view rest = header.substr(scheme.size());
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) {
    rest.remove_prefix(1);
  }
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) {
    rest.remove_suffix(1);
  }
  return rest;
}

}  // namespace

Authenticator::Authenticator(AuthSettings settings)
    : settings_(std::move(settings)),
      basic_enabled_(!settings_.basic_username.empty() || !settings_.basic_password.empty()),
      expected_basic_(Base64Encode(settings_.basic_username + ":" + settings_.basic_password)) {}

Decision Authenticator::Check(std::optional<std::string_view> authorization) const {
  if (settings_.no_auth) return {Verdict::kAllow, false, ""};
  if (!authorization) {
    return {Verdict::kUnauthorized, basic_enabled_, "Authorization Required"};
  }
  if (basic_enabled_) {
    if (auto cred = Credential(*authorization, "basic")) {
      if (ConstantTimeEquals(*cred, expected_basic_)) return {Verdict::kAllow, false, ""};
      return {Verdict::kForbidden, false, "Wrong authentication for type \"basic\""};
    }
  }
  if (auto cred = Credential(*authorization, "token")) {
    // With no token configured every Token header is wrong, never accepted.
    if (!settings_.token.empty() && ConstantTimeEquals(*cred, settings_.token)) {
      return {Verdict::kAllow, false, ""};
    }
    return {Verdict::kForbidden, false, "Wrong authentication for type \"token\""};
  }
  return {Verdict::kUnauthorized, basic_enabled_, "Unsupported authorization scheme"};
}

}  // namespace emm::auth
