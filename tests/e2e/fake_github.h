// A local stand-in for GitHub's REST API, for end-to-end tests of the GitHub App: em-metrics is
// started with GITHUB_ENDPOINT pointing here. It checks what GitHub checks (the App's JWT: RS256
// signature under the App's public key, issuer, iat and exp; installation tokens it issued and
// that have not expired), hands out installation tokens with an expires_at, and serves review
// comments (two per page, with Link headers) and commits as programmed.
//
// Listens on 127.0.0.1 and an OS-assigned port; one connection at a time. Thread-safe.
#pragma once

#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace emm::e2e {

class FakeGitHub {
 public:
  // `public_pem`: the App's public key; `client_id`: the issuer its JWTs must name. Null if the
  // socket cannot be opened.
  static std::unique_ptr<FakeGitHub> Start(std::string public_pem, std::string client_id);
  ~FakeGitHub();  // Stop()

  std::string url() const;  // http://127.0.0.1:<port>

  // Review `review_id`'s comments, e.g. [{"id":1}, {"id":2, "in_reply_to_id":1}]; none: [].
  void SetReviewComments(int64_t review_id, boost::json::array comments);
  // commit.author.date of `sha`; an unknown sha is 404.
  void SetCommitDate(const std::string& sha, const std::string& date);
  // Lifetime of the tokens handed out from now on (GitHub's: an hour).
  void SetTokenLifetime(std::chrono::seconds lifetime);
  // true: every request is answered 503, as GitHub during an outage.
  void SetDown(bool down);

  int token_requests() const;  // POST .../access_tokens answered with a token
  int api_requests() const;    // other requests that carried a valid token
  // Why requests were refused (bad JWT, unknown or expired token), oldest first.
  std::vector<std::string> refusals() const;

  // Closes the listening socket: later connections are refused. Idempotent.
  void Stop();

 private:
  FakeGitHub() = default;
  void Serve();
  // One request: method, target, Authorization; the whole response text.
  std::string Handle(const std::string& method, const std::string& target,
                     const std::string& authorization);
  std::string Refuse(const std::string& why);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::string public_pem_;
  std::string client_id_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mu_;
  std::map<int64_t, boost::json::array> comments_;
  std::map<std::string, std::string> commits_;
  std::map<std::string, std::chrono::system_clock::time_point> tokens_;  // token -> expiry
  std::chrono::seconds lifetime_{3600};
  bool down_ = false;
  int token_requests_ = 0;
  int api_requests_ = 0;
  std::vector<std::string> refusals_;
};

}  // namespace emm::e2e
