// The em-metrics HTTP API: the original's routes, on top of the domain and an EventStore.
// Reads go straight to the store; writes go through the WriteQueue and are answered after commit.
#pragma once

#include <string>

#include "api/router.h"
#include "auth/authenticator.h"
#include "common/time.h"
#include "config/teams_file.h"
#include "export/forwarder.h"
#include "export/self_metrics.h"
#include "http/message.h"
#include "storage/event_store.h"
#include "storage/write_queue.h"

namespace emm::api {

struct ApiOptions {
  std::string default_environment = "NO_ENV";  // DEPLOYMENT_ENVIRONMENT
  std::string version = "-";                   // EM_METRICS_VERSION
  std::string hostname;                        // GET /api/v1/health
  bool dev_routes = false;                     // POST /ping
  bool scrape_no_auth = false;                 // GET /metrics without credentials
};

// Every pointer must outlive the Api. Thread-safe.
struct ApiDeps {
  storage::EventStore* store;
  storage::WriteQueue* writes;
  const auth::Authenticator* auth;
  const config::TeamsHolder* teams;
  const Clock* clock;
  exporting::SelfMetrics* self_metrics = nullptr;  // null: /metrics has no self series
  // Set in stateless mode (SQLITE_DB=none): store and writes are then unused and may be null;
  // events are pushed to the collector instead of stored.
  exporting::Forwarder* forwarder = nullptr;
};

class Api {
 public:
  Api(ApiOptions options, ApiDeps deps);

  // The http::Handler: routes, authenticates, handles, and logs one line per request.
  void Handle(http::Request request, http::Responder respond) const;

 private:
  void AddRoutes();
  // Stateless mode: the write routes forward their points; routes that need stored events 501.
  void AddForwardingRoutes();
  // GET /api/v1/metrics/dora (dora_routes.cc).
  void AddDoraRoutes();

  ApiOptions options_;
  ApiDeps deps_;
  Router router_;
};

}  // namespace emm::api
