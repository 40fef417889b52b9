// A small blocking HTTP/1.1 client over POSIX sockets, for end-to-end tests: one connection per
// request (Connection: close), so every test sees exactly what the server wrote.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace emm::e2e {

struct HttpResponse {
  int status = 0;                              // 0: no answer (connection failed or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  boost::json::value Json() const;  // null when the body is not JSON
  std::string Header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  HttpResponse Request(const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {}) const;
  HttpResponse Get(const std::string& target, const Headers& headers = {}) const {
    return Request("GET", target, "", headers);
  }
  HttpResponse Post(const std::string& target, const std::string& body,
                    const Headers& headers = {}) const {
    return Request("POST", target, body, headers);
  }

 private:
  uint16_t port_;
};

// GET `target`'s JSON body (null when it is not JSON); anything but 200 is a test failure naming
// the target and the body.
boost::json::value GetJson(uint16_t port, const std::string& target);

// Connects to 127.0.0.1:port; -1 on failure.
int Connect(uint16_t port);
// Sends raw bytes and reads until the server closes (or `timeout_ms` passes).
std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms = 5000);
// Parses a raw HTTP response.
HttpResponse ParseResponse(const std::string& raw);

}  // namespace emm::e2e
