// libcurl, loaded with dlopen on first use: a server that never calls out never maps libcurl and
// the dozen libraries it depends on (TLS, Kerberos, LDAP, ...), which would otherwise double the
// idle resident memory and slow start-up. The headers give the types; the symbols come from
// libcurl.so.4 (Debian's libcurl4, a dependency of libcurl4-openssl-dev).
#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "net/http_transport.h"

namespace emm::net {
namespace {

constexpr size_t kMaxHeaderBytes = 64 << 10;  // response headers kept, per response

struct CurlApi {
  bool loaded = false;
  std::string error;
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

template <typename Fn>
bool Bind(void* lib, const char* name, Fn* fn, std::string* error) {
  *fn = reinterpret_cast<Fn>(dlsym(lib, name));
  if (*fn == nullptr) *error = std::string("libcurl has no ") + name;
  return *fn != nullptr;
}

// Loaded once per process, on first use; never unloaded.
const CurlApi& Curl() {
  static CurlApi api;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = dlerror();
      api.error = std::string("cannot load libcurl (install libcurl4): ") + (e ? e : "?");
      return;
    }
    std::string& e = api.error;
    api.loaded = Bind(lib, "curl_global_init", &api.global_init, &e) &&
                 Bind(lib, "curl_easy_init", &api.easy_init, &e) &&
                 Bind(lib, "curl_easy_cleanup", &api.easy_cleanup, &e) &&
                 Bind(lib, "curl_easy_reset", &api.easy_reset, &e) &&
                 Bind(lib, "curl_easy_setopt", &api.easy_setopt, &e) &&
                 Bind(lib, "curl_easy_perform", &api.easy_perform, &e) &&
                 Bind(lib, "curl_easy_getinfo", &api.easy_getinfo, &e) &&
                 Bind(lib, "curl_easy_strerror", &api.easy_strerror, &e) &&
                 Bind(lib, "curl_slist_append", &api.slist_append, &e) &&
                 Bind(lib, "curl_slist_free_all", &api.slist_free_all, &e);
    if (api.loaded) api.loaded = api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!api.loaded && e.empty()) e = "curl_global_init failed";
  });
  return api;
}

// What the callbacks fill in during one transfer.
struct Transfer {
  OutboundResponse* out;
  size_t max_body;
  size_t header_bytes = 0;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->out->body.size() + len > t->max_body) return 0;  // aborts the transfer
  t->out->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // Each new response (after a redirect or 100-continue) starts over.
  if (line.rfind("HTTP/", 0) == 0) {
    t->out->headers.clear();
    t->header_bytes = 0;
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || t->header_bytes + line.size() > kMaxHeaderBytes) {
    return size * n;
  }
  t->header_bytes += line.size();
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view v = line.substr(colon + 1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
    v.remove_suffix(1);
  }
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  t->out->headers.emplace_back(std::move(name), std::string(v));
  return size * n;
}

class CurlHttpTransport final : public HttpTransport {
 public:
  explicit CurlHttpTransport(CurlOptions o) : options_(std::move(o)) {}
  ~CurlHttpTransport() override {
    for (CURL* h : idle_) Curl().easy_cleanup(h);
  }

  OutboundResponse Send(const OutboundRequest& req) override {
    OutboundResponse out;
    // Loaded and initialised on first use, on the caller's (worker) thread.
    const CurlApi& c = Curl();
    if (!c.loaded) {
      out.error = c.error;
      return out;
    }
    CURL* h = Acquire();
    if (h == nullptr) {
      out.error = "curl_easy_init failed";
      return out;
    }
    // A kept handle keeps its connection alive; options are set every time because a failed
    // transfer may leave state behind.
    c.easy_reset(h);
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) {
      headers = c.slist_append(headers, (k + ": " + v).c_str());
    }
    headers = c.slist_append(headers, "Expect:");  // no 100-continue round trip
    c.easy_setopt(h, CURLOPT_URL, req.url.c_str());
    c.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (req.method == "POST") {
      c.easy_setopt(h, CURLOPT_POST, 1L);
      c.easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      c.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else {
      c.easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    c.easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    const long timeout = static_cast<long>(std::max<int64_t>(1, req.timeout_ms));
    c.easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    c.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout, 5000L));
    c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!options_.ca_file.empty()) c.easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.client_cert.empty()) {
      c.easy_setopt(h, CURLOPT_SSLCERT, options_.client_cert.c_str());
    }
    if (!options_.client_key.empty()) {
      c.easy_setopt(h, CURLOPT_SSLKEY, options_.client_key.c_str());
    }
    Transfer transfer{&out, options_.max_body};
    c.easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    c.easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    c.easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    c.easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    char error[CURL_ERROR_SIZE] = {0};
    c.easy_setopt(h, CURLOPT_ERRORBUFFER, error);

    CURLcode rc = c.easy_perform(h);
    long status = 0;
    c.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    c.easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    c.easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    c.slist_free_all(headers);
    // An answer whose body was too long still has its status.
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status > 0)) {
      out.status = 0;
      out.error = error[0] ? error : c.easy_strerror(rc);
    } else {
      out.status = static_cast<int>(status);
    }
    Release(h);
    return out;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return Curl().easy_init();
  }
  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(h);
  }

  const CurlOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // handles (and their connections) not in use
};

}  // namespace

std::unique_ptr<HttpTransport> MakeCurlHttpTransport(const CurlOptions& options) {
  return std::make_unique<CurlHttpTransport>(options);
}

}  // namespace emm::net
