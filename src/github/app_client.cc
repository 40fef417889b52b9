#include "github/app_client.h"

#include <boost/json.hpp>

#include "common/log.h"

namespace emm::github {
namespace json = boost::json;
namespace {

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// GitHub's own explanation ({"message": ...}), shortened, for the operator.
std::string GitHubMessage(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const json::value* m = v.get_object().if_contains("message");
  if (m == nullptr || !m->is_string()) return "";
  return ": " + std::string(m->get_string().subview().substr(0, 200));
}

std::string Describe(const std::string& what, const net::OutboundResponse& r) {
  if (r.status == 0) return "GitHub could not be reached (" + what + "): " + r.error;
  return "GitHub answered " + std::to_string(r.status) + " to " + what + GitHubMessage(r.body);
}

const json::value* At(const json::value& v, std::string_view key) {
  return v.is_object() ? v.get_object().if_contains(key) : nullptr;
}

}  // namespace

bool IsRepositoryName(std::string_view full_name) {
  size_t slash = full_name.find('/');
  if (slash == std::string_view::npos || full_name.size() > 200) return false;
  for (std::string_view part : {full_name.substr(0, slash), full_name.substr(slash + 1)}) {
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
      if (!ok) return false;
    }
  }
  return true;
}

AppClient::AppClient(AppOptions options, AppKey key, net::HttpTransport* transport,
                     const Clock* clock)
    : options_(std::move(options)),
      endpoint_(TrimSlash(options_.endpoint)),
      key_(std::move(key)),
      transport_(transport),
      clock_(clock) {}

int64_t AppClient::token_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_requests_;
}

Result<net::OutboundResponse> AppClient::Send(net::OutboundRequest request,
                                              TimeMs deadline) const {
  const TimeMs left = deadline - clock_->NowMs();
  if (left <= 0) {
    return Status::Upstream("GitHub did not answer in time (" + request.method + " " +
                            request.url + ")");
  }
  request.timeout_ms = left;
  request.headers.emplace_back("Accept", "application/vnd.github+json");
  request.headers.emplace_back("X-GitHub-Api-Version", "2022-11-28");
  request.headers.emplace_back("User-Agent", options_.user_agent);
  net::OutboundResponse r = transport_->Send(request);
  if (r.status == 0 || r.status >= 500 || r.status == 429) {
    return Status::Upstream(Describe(request.method + " " + request.url, r));
  }
  return r;
}

Result<std::string> AppClient::InstallationToken(int64_t installation_id,
                                                 TimeMs deadline) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tokens_.find(installation_id);
    if (it != tokens_.end() && clock_->NowMs() < it->second.expires_at - options_.token_margin_ms) {
      return it->second.value;
    }
  }
  // Fetched without the lock: another installation's requests need not wait. Two deliveries of
  // one installation at the same moment may each fetch one; both tokens are valid.
  auto jwt = key_.SignJwt(options_.client_id, clock_->NowMs() / 1000);
  if (!jwt.ok()) return jwt.status();
  const std::string url =
      endpoint_ + "/app/installations/" + std::to_string(installation_id) + "/access_tokens";
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++token_requests_;
  }
  auto r = Send({"POST", url, {{"Authorization", "Bearer " + *jwt}}, "", 0}, deadline);
  if (!r.ok()) return r.status();
  if (r->status != 201 && r->status != 200) {
    std::string hint;
    if (r->status == 401) {
      hint = " (the App's JWT was refused: check GITHUB_CLIENT_ID, GITHUB_RSA_PEM_KEY_B64 and "
             "this machine's clock)";
    } else if (r->status == 404) {
      hint = " (is the App still installed there?)";
    }
    return Status::Upstream(Describe("the installation token request", *r) + hint);
  }
  json::error_code ec;
  json::value body = json::parse(r->body, ec);
  const json::value* token = ec ? nullptr : At(body, "token");
  const json::value* expires = ec ? nullptr : At(body, "expires_at");
  std::optional<TimeMs> expires_at;
  if (expires != nullptr && expires->is_string()) {
    expires_at = ParseTimestamp(expires->get_string());
  }
  if (token == nullptr || !token->is_string() || token->get_string().empty() || !expires_at) {
    return Status::Upstream(
        "GitHub's installation token answer has no token and expires_at (date-time)");
  }
  std::string value(token->get_string());
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[installation_id] = Token{value, *expires_at};
  return value;
}

Result<net::OutboundResponse> AppClient::Get(int64_t installation_id, const std::string& url,
                                             TimeMs deadline) const {
  for (int attempt = 0;; ++attempt) {
    auto token = InstallationToken(installation_id, deadline);
    if (!token.ok()) return token.status();
    auto r = Send({"GET", url, {{"Authorization", "Bearer " + *token}}, "", 0}, deadline);
    if (!r.ok()) return r.status();
    if (r->status == 401 && attempt == 0) {
      std::lock_guard<std::mutex> lock(mu_);
      tokens_.erase(installation_id);
      continue;
    }
    if (r->status != 200) return Status::Upstream(Describe("GET " + url, *r));
    return r;
  }
}

Result<std::vector<ReviewComment>> AppClient::ListReviewComments(const ReviewRef& ref,
                                                                 TimeMs deadline) const {
  if (!IsRepositoryName(ref.repository)) {
    return Status::InvalidArgument("repository.full_name", "must be owner/name");
  }
  std::string url = endpoint_ + "/repos/" + ref.repository + "/pulls/" +
                    std::to_string(ref.pull_number) + "/reviews/" +
                    std::to_string(ref.review_id) + "/comments?per_page=100";
  std::vector<ReviewComment> out;
  for (int page = 1;; ++page) {
    auto r = Get(ref.installation_id, url, deadline);
    if (!r.ok()) return r.status();
    json::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (ec || !v.is_array()) {
      return Status::Upstream("GitHub's review comments answer is not a JSON array");
    }
    for (const json::value& c : v.get_array()) {
      const json::value* id = At(c, "id");
      if (id == nullptr || !id->is_int64()) {
        return Status::Upstream("a review comment from GitHub has no numeric id");
      }
      ReviewComment comment{id->get_int64(), std::nullopt};
      const json::value* reply = At(c, "in_reply_to_id");
      if (reply != nullptr && reply->is_int64()) comment.in_reply_to_id = reply->get_int64();
      out.push_back(comment);
    }
    auto link = r->Header("link");
    std::optional<std::string> next = link ? net::LinkTarget(*link, "next") : std::nullopt;
    if (!next) return out;
    // The token goes only where GITHUB_ENDPOINT points.
    if (next->rfind(endpoint_ + "/", 0) != 0) {
      return Status::Upstream("GitHub's next page link leaves GITHUB_ENDPOINT: " + *next);
    }
    if (page >= options_.max_pages) {
      log::Warn("review comments beyond the page limit are not read",
                {{"repository", ref.repository},
                 {"review", ref.review_id},
                 {"read", static_cast<int64_t>(out.size())}});
      return out;
    }
    url = std::move(*next);
  }
}

Result<TimeMs> AppClient::CommitAuthoredAt(int64_t installation_id, std::string_view repository,
                                           std::string_view sha, TimeMs deadline) const {
  if (!IsRepositoryName(repository)) {
    return Status::InvalidArgument("repository.full_name", "must be owner/name");
  }
  if (sha.empty() || sha.size() > 64 ||
      sha.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return Status::InvalidArgument("sha", "must be a commit's hex SHA");
  }
  auto r = Get(installation_id,
               endpoint_ + "/repos/" + std::string(repository) + "/commits/" + std::string(sha),
               deadline);
  if (!r.ok()) return r.status();
  json::error_code ec;
  json::value v = json::parse(r->body, ec);
  const json::value* commit = ec ? nullptr : At(v, "commit");
  const json::value* author = commit ? At(*commit, "author") : nullptr;
  const json::value* date = author ? At(*author, "date") : nullptr;
  std::optional<TimeMs> at;
  if (date != nullptr && date->is_string()) at = ParseTimestamp(date->get_string());
  if (!at) return Status::Upstream("GitHub's commit answer has no commit.author.date");
  return *at;
}

}  // namespace emm::github
