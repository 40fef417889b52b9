// The em-metrics HTTP API: the original's routes, on top of the domain and an EventStore.
// Reads go straight to the store; writes go through the WriteQueue and are answered after commit.
#pragma once

#include <string>

#include "api/router.h"
#include "auth/authenticator.h"
#include "common/time.h"
#include "config/teams_file.h"
#include "http/message.h"
#include "storage/event_store.h"
#include "storage/write_queue.h"

namespace emm::api {

struct ApiOptions {
  std::string default_environment = "NO_ENV";  // DEPLOYMENT_ENVIRONMENT
  std::string version = "-";                   // EM_METRICS_VERSION
  std::string hostname;                        // GET /api/v1/health
  bool dev_routes = false;                     // POST /ping
};

// Every pointer must outlive the Api. Thread-safe.
struct ApiDeps {
  storage::EventStore* store;
  storage::WriteQueue* writes;
  const auth::Authenticator* auth;
  const config::TeamsHolder* teams;
  const Clock* clock;
};

class Api {
 public:
  Api(ApiOptions options, ApiDeps deps);

  // The http::Handler: routes, authenticates, handles, and logs one line per request.
  void Handle(http::Request request, http::Responder respond) const;

 private:
  void AddRoutes();

  ApiOptions options_;
  ApiDeps deps_;
  Router router_;
};

}  // namespace emm::api
