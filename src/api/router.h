// The route table: method + path pattern ("/api/v1/deployments/:deployment_id/deployed").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace emm::api {

using PathParams = std::vector<std::pair<std::string, std::string>>;

struct Route {
  std::string method;
  std::string pattern;  // kept for logs: one line per request names the pattern, not the path
  bool authenticated;   // under /api/v1
  std::function<void(const http::Request&, const PathParams&, http::Responder)> handler;
};

class Router {
 public:
  void Add(Route route);

  struct Match {
    const Route* route;
    PathParams params;  // percent-decoded
  };
  // HEAD matches GET routes.
  std::optional<Match> Find(std::string_view method, std::string_view path) const;

  // Param value by name ("" when absent).
  static const std::string& Param(const PathParams& params, std::string_view name);

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;  // ":name" for parameters
  };
  std::vector<Entry> entries_;
};

}  // namespace emm::api
