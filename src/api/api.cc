#include "api/api.h"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>

#include "api/error_response.h"
#include "api/query_params.h"
#include "api/routes.h"

namespace emm::api {
using http::Request;
using http::Responder;
using http::Response;

namespace {

// The method as a label value: anything but the usual methods is "other", so that a client
// sending made-up methods cannot add series to em_metrics_http_requests_total.
std::string MethodLabel(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "other";
}

}  // namespace

Api::Api(ApiOptions options, ApiDeps deps) : env_{std::move(options), deps, nullptr} {
  if (deps.forwarder != nullptr) {
    writes_ = std::make_unique<ForwardingWriteRunner>(env_.options, deps);
  } else {
    writes_ = std::make_unique<StoredWriteRunner>(env_.options, deps);
  }
  env_.writes = writes_.get();
  const bool stateless = deps.forwarder != nullptr;
  for (const RouteSpec& spec : RouteTable()) {
    if (spec.needs == Needs::kDevRoutes && !env_.options.dev_routes) continue;
    const bool authenticated = spec.access == Access::kApi ||
                               (spec.access == Access::kScrape && !env_.options.scrape_no_auth);
    Route route{std::string(spec.method), std::string(spec.pattern), authenticated, nullptr};
    if (spec.needs == Needs::kStore && stateless) {
      route.handler = [](const Request&, const PathParams&, Responder r) {
        r(ErrorResponse(Status::Unimplemented(std::string(kNoDatabase) +
                                              ": no events are stored, so none can be read")));
      };
    } else {
      route.handler = [this, &spec](const Request& req, const PathParams& path, Responder r) {
        Query query = Query::Parse(req.query);
        if (!spec.ignores_unknown_params) {
          Status known = RequireKnown(query, spec.params);
          if (!known.ok()) return r(ErrorResponse(known));
        }
        Status printable = RequirePrintable(query, spec.params, path);
        if (!printable.ok()) return r(ErrorResponse(printable));
        spec.handler(env_, Call{req, path, query, std::move(r)});
      };
    }
    router_.Add(std::move(route));
  }
}

void Api::Handle(Request request, Responder respond) const {
  auto started = std::chrono::steady_clock::now();
  auto match = router_.Find(request.method, request.path);
  std::string pattern = match ? match->route->pattern : std::string("(unmatched)");
  // The server's access log and the self series name the route pattern, not the path (ids stay
  // out of logs and labels).
  Responder labelled = [respond = std::move(respond), pattern, started,
                        method = MethodLabel(request.method),
                        self = env_.deps.self_metrics](Response res) {
    res.log_route = pattern;
    // Probes and scrapes come every few seconds: debug level.
    if (pattern == "/health" || pattern == "/metrics") res.log_quiet = true;
    if (self != nullptr) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      self->RecordRequest(method, pattern, res.status, took.count());
    }
    respond(std::move(res));
  };
  if (!match) return labelled(RouteNotFound(request.method, request.path));
  if (match->route->authenticated) {
    auth::Decision d = env_.deps.auth->Check(request.Header("Authorization"));
    if (d.verdict != auth::Verdict::kAllow) return labelled(AuthRefused(d));
  }
  // Exactly one answer per request, even if a handler throws after answering.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder once = [answered, labelled = std::move(labelled)](Response res) {
    if (!answered->exchange(true)) labelled(std::move(res));
  };
  try {
    match->route->handler(request, match->params, once);
  } catch (const std::exception& e) {
    // Handlers return Status; an exception here is a bug, answered rather than crashing.
    once(ErrorResponse(Status::Internal(std::string("handler threw: ") + e.what())));
  }
}

}  // namespace emm::api
