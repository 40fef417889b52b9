// Outbound HTTP requests (the OTLP collector, the GitHub API): one interface, so that what decides
// whether to retry, what to cache and what a failure means can be tested with a fake; the real one
// is libcurl, loaded on first use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emm::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct OutboundRequest {
  std::string method = "GET";  // GET or POST
  std::string url;             // http:// or https://
  HeaderList headers;
  std::string_view body;     // POST only; must outlive Send
  int64_t timeout_ms = 10000;  // the whole exchange, connection included
};

struct OutboundResponse {
  int status = 0;      // HTTP status; 0 when no answer came (refused, reset, timed out)
  std::string error;   // why there was no answer
  std::string body;    // at most the transport's max_body bytes of it
  HeaderList headers;  // of the final response; names in lower case

  // The first header of that name (given in lower case), if any.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

// Thread-safe: several threads may Send at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual OutboundResponse Send(const OutboundRequest& request) = 0;
};

struct CurlOptions {
  std::string user_agent;
  std::string ca_file;      // PEM CA bundle for https ("": the system's)
  std::string client_cert;  // PEM client certificate for mutual TLS
  std::string client_key;   // its PEM private key
  size_t max_body = 4 << 20;  // the rest of a larger answer is not read (its status counts)
};

// The target of the first link with relation `rel` in a Link header (RFC 8288), e.g. "next" in
// `<https://api.github.com/...&page=2>; rel="next", <...>; rel="last"`; nullopt when none.
std::optional<std::string> LinkTarget(std::string_view link_header, std::string_view rel);

// libcurl, with idle connections kept alive for the next request (one per concurrent caller).
std::unique_ptr<HttpTransport> MakeCurlHttpTransport(const CurlOptions& options);

}  // namespace emm::net
