// Who may call /api/v1: nobody-checks (no auth), a shared token, HTTP basic, or both. Decides
// between 401 (no or unusable credentials) and 403 (wrong credentials), as the original does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace emm::auth {

struct AuthSettings {
  bool no_auth = false;
  std::string token;           // empty: token auth off
  std::string basic_username;  // basic auth is on when either part is non-empty
  std::string basic_password;
};

enum class Verdict { kAllow, kUnauthorized, kForbidden };

struct Decision {
  Verdict verdict = Verdict::kAllow;
  bool challenge = false;  // send WWW-Authenticate: Basic realm=web-http
  std::string message;     // for the response body
};

// Thread-safe and immutable.
class Authenticator {
 public:
  explicit Authenticator(AuthSettings settings);

  // `authorization` is the Authorization header, if the request had one.
  Decision Check(std::optional<std::string_view> authorization) const;

  bool basic_enabled() const { return basic_enabled_; }

 private:
  AuthSettings settings_;
  bool basic_enabled_;
  std::string expected_basic_;  // base64("user:password")
};

}  // namespace emm::auth
