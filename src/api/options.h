// What the API is configured with and what it runs on, shared by Api and every handler.
#pragma once

#include <string>

#include "auth/authenticator.h"
#include "common/time.h"
#include "common/worker_pool.h"
#include "config/teams_file.h"
#include "domain/team_health.h"
#include "export/forwarder.h"
#include "export/metric_state.h"
#include "export/self_metrics.h"
#include "github/app_client.h"
#include "storage/event_store.h"
#include "storage/write_queue.h"

namespace emm::api {

struct ApiOptions {
  std::string default_environment = "NO_ENV";  // DEPLOYMENT_ENVIRONMENT
  std::string version = "-";                   // EM_METRICS_VERSION
  std::string hostname;                        // GET /api/v1/health
  bool dev_routes = false;                     // POST /ping
  bool scrape_no_auth = false;                 // GET /metrics without credentials
  std::string github_webhook_secret;           // POST /webhooks/github; "": 503
  std::string pagerduty_webhook_secret;        // POST /webhooks/pagerduty; "": 503
  std::string incident_io_webhook_secret;      // POST /webhooks/incident-io; "": 503
  std::string linear_secret = {};              // POST /webhooks/linear; "": 503
  domain::BotRule bots = {};                   // EM_METRICS_BOT_LOGINS: team-health's bots
  std::string gitlab_webhook_token = {};       // POST /webhooks/gitlab; "": 503
};

// Named in the answers of stateless mode.
inline constexpr const char* kNoDatabase = "em-metrics runs without a database (SQLITE_DB=none)";

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
  // The GitHub App (GITHUB_CLIENT_ID and GITHUB_RSA_PEM_KEY_B64); null: the webhook deliveries
  // that need GitHub's API are answered 503.
  const github::AppClient* github = nullptr;
  // Runs what waits on another service (GitHub's API) off the I/O threads; set with `github`.
  WorkerPool* background = nullptr;
  // The series /metrics renders (StoredMetricState, the one the exporter reads); null in
  // stateless mode: only the service's own series.
  exporting::MetricStateSource* metric_state = nullptr;
};

}  // namespace emm::api
