// The GitHub REST API, called as a GitHub App installation: the App signs a JWT with its key,
// trades it for an installation access token (cached per installation until shortly before it
// expires), and reads with that token. Blocking: call it from a worker, never an I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "github/app_key.h"
#include "net/http_transport.h"

namespace emm::github {

struct AppOptions {
  std::string endpoint = "https://api.github.com";  // GITHUB_ENDPOINT; a trailing '/' is ignored
  std::string client_id;                            // GITHUB_CLIENT_ID: the JWT's issuer
  std::string user_agent = "em-metrics";            // GitHub refuses requests without one
  int64_t token_margin_ms = 60000;  // a cached token is renewed this long before its expires_at
  int max_pages = 50;               // of 100 items each; what lies beyond is not read
};

struct ReviewRef {
  int64_t installation_id = 0;
  std::string repository;  // owner/name (repository.full_name)
  int64_t pull_number = 0;
  int64_t review_id = 0;
};

struct ReviewComment {
  int64_t id = 0;
  std::optional<int64_t> in_reply_to_id;  // set: an answer in an existing thread
};

// "owner/name" with GitHub's characters only (letters, digits, '-', '_', '.'), so that it can go
// into a URL path as it is.
bool IsRepositoryName(std::string_view full_name);

// Thread-safe. `transport` and `clock` must outlive the client.
class AppClient {
 public:
  AppClient(AppOptions options, AppKey key, net::HttpTransport* transport, const Clock* clock);

  // Every inline comment of one review (GET .../pulls/{n}/reviews/{id}/comments, all pages).
  // By `deadline` (clock ms) or kUpstream; kUpstream too when GitHub answers 5xx, refuses the
  // App or its token, or answers something that is not the expected JSON.
  Result<std::vector<ReviewComment>> ListReviewComments(const ReviewRef& ref,
                                                        TimeMs deadline) const;

  // When the commit `sha` of `repository` was authored (GET /repos/{repo}/commits/{sha}:
  // commit.author.date). Errors as above.
  Result<TimeMs> CommitAuthoredAt(int64_t installation_id, std::string_view repository,
                                  std::string_view sha, TimeMs deadline) const;

  // Installation tokens requested so far (each POST .../access_tokens), for tests and logs.
  int64_t token_requests() const;

 private:
  struct Token {
    std::string value;
    TimeMs expires_at = 0;
  };
  // A GET with the installation's token; a 401 drops the cached token and tries once more with a
  // new one (GitHub revokes tokens, e.g. when the App's permissions change).
  Result<net::OutboundResponse> Get(int64_t installation_id, const std::string& url,
                                    TimeMs deadline) const;
  Result<std::string> InstallationToken(int64_t installation_id, TimeMs deadline) const;
  Result<net::OutboundResponse> Send(net::OutboundRequest request, TimeMs deadline) const;

  const AppOptions options_;
  const std::string endpoint_;  // without a trailing '/'
  const AppKey key_;
  net::HttpTransport* const transport_;
  const Clock* const clock_;
  mutable std::mutex mu_;
  mutable std::map<int64_t, Token> tokens_;  // by installation id
  mutable int64_t token_requests_ = 0;
};

}  // namespace emm::github
