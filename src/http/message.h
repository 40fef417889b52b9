// Plain HTTP request and response values: what the API layer sees, with no Beast types.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emm::http {

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as sent: path and query
  std::string path;    // target before '?', not percent-decoded
  std::string query;   // target after '?', raw
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive lookup; the first header of that name.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // For the access log line only: the route pattern that handled the request, and whether the
  // line is debug-level (health probes) rather than info.
  std::string log_route;
  bool log_quiet = false;

  static Response Json(int status, std::string body) {
    return Response{status, "application/json; charset=utf-8", {}, std::move(body), {}, false};
  }
  static Response Empty(int status) { return Response{status, "", {}, "", {}, false}; }
};

// Whether an Accept-Encoding header value (RFC 9110 12.5.3) accepts gzip: "gzip", "x-gzip" or
// "*" with a non-zero q. An empty value accepts nothing but identity.
bool AcceptsGzip(std::string_view accept_encoding);

// Sends the response. Call exactly once, from any thread.
using Responder = std::function<void(Response)>;
// Handles one request. May respond later, from another thread.
using Handler = std::function<void(Request, Responder)>;

}  // namespace emm::http
