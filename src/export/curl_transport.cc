// libcurl, loaded with dlopen on first use: a server that never exports never maps libcurl and
// the dozen libraries it depends on (TLS, Kerberos, LDAP, ...), which would otherwise double the
// idle resident memory and slow start-up. The headers give the types; the symbols come from
// libcurl.so.4 (Debian's libcurl4, a dependency of libcurl4-openssl-dev).
#include <curl/curl.h>
#include <dlfcn.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "export/transport.h"

namespace emm::exporting {
namespace {

constexpr size_t kMaxResponseBody = 4 << 20;  // larger answers are not read (OTLP spec)

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

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(const CurlOptions& o) : options_(o) {}
  ~CurlTransport() override {
    if (curl_ != nullptr) Curl().easy_cleanup(curl_);
    if (headers_ != nullptr) Curl().slist_free_all(headers_);
  }

  PostResult Post(std::string_view body, bool gzipped) override {
    PostResult out;
    // Loaded and initialised on first use, on the exporter's thread.
    const CurlApi& c = Curl();
    if (!c.loaded) {
      out.error = c.error;
      return out;
    }
    if (curl_ == nullptr) {
      curl_ = c.easy_init();
      if (curl_ == nullptr) {
        out.error = "curl_easy_init failed";
        return out;
      }
    }
    // The same handle keeps the connection alive between exports; options are set every time
    // because a failed transfer may leave state behind.
    c.easy_reset(curl_);
    c.slist_free_all(headers_);
    headers_ = nullptr;
    headers_ = c.slist_append(headers_, ("Content-Type: " + options_.content_type).c_str());
    if (gzipped) headers_ = c.slist_append(headers_, "Content-Encoding: gzip");
    headers_ = c.slist_append(headers_, "Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : options_.headers) {
      headers_ = c.slist_append(headers_, (k + ": " + v).c_str());
    }
    c.easy_setopt(curl_, CURLOPT_URL, options_.url.c_str());
    c.easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    c.easy_setopt(curl_, CURLOPT_POST, 1L);
    c.easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    c.easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    c.easy_setopt(curl_, CURLOPT_USERAGENT, options_.user_agent.c_str());
    c.easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    c.easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                  static_cast<long>(std::min(options_.timeout_ms, 5000)));
    c.easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!options_.ca_file.empty()) c.easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.client_cert.empty()) {
      c.easy_setopt(curl_, CURLOPT_SSLCERT, options_.client_cert.c_str());
    }
    if (!options_.client_key.empty()) {
      c.easy_setopt(curl_, CURLOPT_SSLKEY, options_.client_key.c_str());
    }
    c.easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlTransport::OnBody);
    c.easy_setopt(curl_, CURLOPT_WRITEDATA, &out);
    c.easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &CurlTransport::OnHeader);
    c.easy_setopt(curl_, CURLOPT_HEADERDATA, &out);
    char error[CURL_ERROR_SIZE] = {0};
    c.easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);

    CURLcode rc = c.easy_perform(curl_);
    long status = 0;
    c.easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status > 0)) {
      out.status = 0;
      out.error = error[0] ? error : c.easy_strerror(rc);
      return out;
    }
    out.status = static_cast<int>(status);
    return out;
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t n, void* user) {
    auto* out = static_cast<PostResult*>(user);
    size_t len = size * n;
    if (out->body.size() + len > kMaxResponseBody) return 0;  // aborts the transfer
    out->body.append(data, len);
    return len;
  }

  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* out = static_cast<PostResult*>(user);
    std::string_view line(data, size * n);
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size()) {
      bool match = true;
      for (size_t i = 0; i < kName.size() && match; ++i) {
        match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
      }
      if (match) {
        std::string_view v = line.substr(kName.size());
        while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        out->retry_after = std::string(v);
      }
    }
    // Each new response (after a redirect or 100-continue) starts over.
    if (line.rfind("HTTP/", 0) == 0) out->retry_after.clear();
    return size * n;
  }

  CurlOptions options_;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
};

}  // namespace

std::unique_ptr<Transport> MakeCurlTransport(const CurlOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

std::string Gzip(std::string_view data, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  // The output grows as needed instead of being sized for incompressible input up front: a
  // large, repetitive body (a /metrics exposition) compresses 20-30x, and the worst-case buffer
  // would double the memory held while it is compressed.
  std::string out(std::min<size_t>(deflateBound(&z, static_cast<uLong>(data.size())),
                                   data.size() / 8 + 4096),
                  '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = static_cast<uInt>(out.size() - z.total_out);
    rc = deflate(&z, Z_FINISH);
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace emm::exporting
