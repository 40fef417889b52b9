// The route table: every route of the API, declared once.
#pragma once

#include <span>
#include <string_view>

#include "api/handler.h"

namespace emm::api {

enum class Access {
  kPublic,  // no credentials (GET /health, POST /ping)
  kApi,     // the API's authentication (everything under /api/v1)
  kScrape,  // kApi, unless EM_METRICS_SCRAPE_NO_AUTH
};

enum class Needs {
  kNothing,
  kStore,      // reads stored events: 501 in stateless mode (SQLITE_DB=none)
  kDevRoutes,  // exists only with DEV_ROUTES
};

struct RouteSpec {
  std::string_view method;
  std::string_view pattern;  // "/api/v1/deployments/:deployment_id": ":name" is a path parameter
  Access access;
  HandlerFn handler;
  // The query parameters the route takes; any other name is a 400 naming it.
  std::span<const std::string_view> params;
  Needs needs = Needs::kNothing;
  // Takes any query parameter and ignores it: health probes, which load balancers and
  // orchestrators may send with parameters of their own (a 400 would take the instance out).
  bool ignores_unknown_params = false;
};

// In matching order.
std::span<const RouteSpec> RouteTable();

}  // namespace emm::api
