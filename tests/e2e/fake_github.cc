#include "e2e/fake_github.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>

#include "testing/rsa_key.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;
using std::chrono::system_clock;

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch())
      .count();
}

std::string Iso8601(system_clock::time_point t) {
  std::time_t secs = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Response(int status, const std::string& body, const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// The value of header `name` (lower case) in raw request headers, or "".
std::string HeaderValue(const std::string& head, const std::string& name) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    size_t colon = head.find(':', pos);
    size_t eol = head.find("\r\n", pos);
    if (colon == std::string::npos || eol == std::string::npos || colon > eol) continue;
    std::string key = head.substr(pos, colon - pos);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == name) {
      std::string v = head.substr(colon + 1, eol - colon - 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    }
  }
  return "";
}

// The number after `key=` in a query string, or `fallback`.
int QueryInt(const std::string& query, const std::string& key, int fallback) {
  size_t pos = ("&" + query).find("&" + key + "=");
  if (pos == std::string::npos) return fallback;
  return std::atoi(query.c_str() + pos + key.size() + 1);
}

}  // namespace

std::unique_ptr<FakeGitHub> FakeGitHub::Start(std::string public_pem, std::string client_id) {
  auto fake = std::unique_ptr<FakeGitHub>(new FakeGitHub());
  fake->public_pem_ = std::move(public_pem);
  fake->client_id_ = std::move(client_id);
  fake->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fake->listen_fd_ < 0 ||
      bind(fake->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fake->listen_fd_, 16) != 0 ||
      getsockname(fake->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return nullptr;
  }
  fake->port_ = ntohs(addr.sin_port);
  fake->thread_ = std::thread([f = fake.get()] { f->Serve(); });
  return fake;
}

FakeGitHub::~FakeGitHub() { Stop(); }

void FakeGitHub::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

std::string FakeGitHub::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeGitHub::SetReviewComments(int64_t review_id, json::array comments) {
  std::lock_guard<std::mutex> lock(mu_);
  comments_[review_id] = std::move(comments);
}
void FakeGitHub::SetCommitDate(const std::string& sha, const std::string& date) {
  std::lock_guard<std::mutex> lock(mu_);
  commits_[sha] = date;
}
void FakeGitHub::SetTokenLifetime(std::chrono::seconds lifetime) {
  std::lock_guard<std::mutex> lock(mu_);
  lifetime_ = lifetime;
}
void FakeGitHub::SetDown(bool down) {
  std::lock_guard<std::mutex> lock(mu_);
  down_ = down;
}
int FakeGitHub::token_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_requests_;
}
int FakeGitHub::api_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return api_requests_;
}
std::vector<std::string> FakeGitHub::refusals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refusals_;
}

void FakeGitHub::Serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string data;
    char buf[4096];
    size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
      pollfd c{fd, POLLIN, 0};
      if (poll(&c, 1, 2000) <= 0) break;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
      head_end = data.find("\r\n\r\n");
    }
    if (head_end != std::string::npos) {
      const std::string head = data.substr(0, head_end + 2);
      // Bodies (the token request's is empty) are read and ignored.
      size_t want = static_cast<size_t>(std::atol(HeaderValue(head, "content-length").c_str()));
      while (data.size() < head_end + 4 + want) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
      }
      size_t sp1 = head.find(' ');
      size_t sp2 = head.find(' ', sp1 + 1);
      std::string out = Handle(head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1),
                               HeaderValue(head, "authorization"));
      for (size_t off = 0; off < out.size();) {
        ssize_t n = write(fd, out.data() + off, out.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
    }
    close(fd);
  }
}

std::string FakeGitHub::Refuse(const std::string& why) {
  refusals_.push_back(why);
  return Response(401, json::serialize(json::object{{"message", why}}));
}

std::string FakeGitHub::Handle(const std::string& method, const std::string& target,
                               const std::string& authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  if (down_) return Response(503, R"({"message":"Service Unavailable"})");
  const std::string path = target.substr(0, target.find('?'));
  const std::string query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
  if (authorization.rfind("Bearer ", 0) != 0) return Refuse("no Bearer authorization");
  const std::string credential = authorization.substr(7);

  if (method == "POST" && path.rfind("/app/installations/", 0) == 0 &&
      path.size() > 14 && path.substr(path.size() - 14) == "/access_tokens") {
    std::string why;
    auto claims = testing::VerifyRs256Jwt(credential, public_pem_, &why);
    if (!claims) return Refuse("JWT: " + why);
    const int64_t now = UnixNow();
    const json::value* iss = claims->if_contains("iss");
    const json::value* iat = claims->if_contains("iat");
    const json::value* exp = claims->if_contains("exp");
    if (iss == nullptr || *iss != json::value(client_id_)) return Refuse("JWT: wrong iss");
    if (iat == nullptr || !iat->is_int64() || iat->as_int64() > now) {
      return Refuse("JWT: iat missing or in the future");
    }
    if (exp == nullptr || !exp->is_int64() || exp->as_int64() <= now ||
        exp->as_int64() > now + 600) {
      return Refuse("JWT: exp missing, past, or more than 10 minutes ahead");
    }
    const std::string token = "ghs_fake_" + std::to_string(++token_requests_);
    const auto expires = system_clock::now() + lifetime_;
    tokens_[token] = expires;
    return Response(201, json::serialize(json::object{{"token", token},
                                                      {"expires_at", Iso8601(expires)}}));
  }

  auto token = tokens_.find(credential);
  if (token == tokens_.end()) return Refuse("unknown installation token");
  if (token->second <= system_clock::now()) return Refuse("expired installation token");
  ++api_requests_;

  // /repos/{owner}/{repo}/pulls/{n}/reviews/{id}/comments
  size_t reviews = path.find("/reviews/");
  if (method == "GET" && path.rfind("/repos/", 0) == 0 && reviews != std::string::npos &&
      path.size() > 9 && path.substr(path.size() - 9) == "/comments") {
    int64_t id = std::atoll(path.c_str() + reviews + 9);
    if (QueryInt(query, "per_page", 0) != 100) return Response(400, R"({"message":"per_page"})");
    const json::array& all = comments_[id];
    const int page = QueryInt(query, "page", 1);
    constexpr size_t kPageSize = 2;  // small, so that pagination is exercised
    json::array out;
    for (size_t i = (page - 1) * kPageSize; i < all.size() && out.size() < kPageSize; ++i) {
      out.push_back(all[i]);
    }
    std::string link;
    if (page * kPageSize < all.size()) {
      link = "Link: <" + url() + path + "?per_page=100&page=" + std::to_string(page + 1) +
             ">; rel=\"next\"\r\n";
    }
    return Response(200, json::serialize(out), link);
  }
  // /repos/{owner}/{repo}/commits/{sha}
  size_t commits = path.find("/commits/");
  if (method == "GET" && path.rfind("/repos/", 0) == 0 && commits != std::string::npos) {
    auto it = commits_.find(path.substr(commits + 9));
    if (it == commits_.end()) return Response(404, R"({"message":"No commit found"})");
    return Response(200, json::serialize(json::object{
                             {"sha", it->first},
                             {"commit", {{"author", {{"date", it->second}}}}}}));
  }
  return Response(404, R"({"message":"Not Found"})");
}

}  // namespace emm::e2e
