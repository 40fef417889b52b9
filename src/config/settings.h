// Runtime settings: environment variables (the Node.js original's names) overridden by command
// line flags. Every default is documented in SettingsUsage() and the README.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace emm::config {

struct Settings {
  std::string host = "0.0.0.0";                    // HOST
  uint16_t port = 3000;                            // PORT (0: any free port)
  std::string sqlite_db = "./data/em-metrics.db";  // SQLITE_DB
  bool sqlite_db_set = false;  // SQLITE_DB or --sqlite-db given (DATABASE_URL wins over it)
  // DATABASE_URL: postgres://user:password@host:port/db?sslmode=... selects PostgreSQL ("" =
  // SQLite). Log it only through MaskedDatabaseUrl.
  std::string database_url;
  int database_pool_size = 8;                      // DATABASE_POOL_SIZE: connections per process
  bool sqlite_full_sync = true;                    // SQLITE_SYNC=full|normal
  int sqlite_checkpoint_pages = 4000;              // SQLITE_CHECKPOINT_PAGES
  std::string config_path;                         // CONFIG ("" = no teams file)
  std::string otel_service_name = "em_metrics";    // OTEL_SERVICE_NAME
  std::string otel_collector_url;                  // OTEL_COLLECTOR_URL ("" = no push)
  std::string deployment_environment = "NO_ENV";   // DEPLOYMENT_ENVIRONMENT
  bool no_auth = false;                            // EM_METRICS_NO_AUTH (1, true, yes)
  bool scrape_no_auth = false;                     // EM_METRICS_SCRAPE_NO_AUTH (1, true, yes)
  std::string token;                               // EM_METRICS_TOKEN_AUTH
  std::string basic_username;                      // EM_METRICS_BASIC_AUTH_USERNAME
  std::string basic_password;                      // EM_METRICS_BASIC_AUTH_PASSWORD
  std::string github_webhook_secret;               // GITHUB_WEBHOOK_SECRET ("": 503)
  std::string pagerduty_webhook_secret;            // PAGERDUTY_WEBHOOK_SECRET ("": 503)
  std::string incident_io_webhook_secret;          // INCIDENT_IO_WEBHOOK_SECRET ("": 503)
  std::string github_client_id;                    // GITHUB_CLIENT_ID (the App's; "": no App)
  std::string github_rsa_pem_key_b64;              // GITHUB_RSA_PEM_KEY_B64 (base64 of a PEM)
  std::string github_endpoint = "https://api.github.com";  // GITHUB_ENDPOINT
  std::string linear_secret;                       // LINEAR_SECRET ("": 503)
  // EM_METRICS_BOT_LOGINS, comma-separated: logins that are bots besides GitHub Apps' "...[bot]"
  // (team-health leaves their pull requests and reviews out, and never counts them as engineers).
  std::vector<std::string> bot_logins;
  std::string gitlab_webhook_token;                // GITLAB_WEBHOOK_TOKEN ("": 503)
  std::string log_level = "info";                  // EM_METRICS_LOG_LEVEL
  std::string version = "-";                       // EM_METRICS_VERSION
  bool dev_routes = false;                         // DEV_ROUTES (any value)
  int threads = 0;                                 // EM_METRICS_THREADS (0 = one per core)
  int shutdown_grace_ms = 10000;                   // EM_METRICS_SHUTDOWN_GRACE_MS
  int read_timeout_ms = 30000;                     // EM_METRICS_READ_TIMEOUT_MS
  int max_connections = 1024;                      // EM_METRICS_MAX_CONNECTIONS (0: file limit)
  bool no_store = false;                           // SQLITE_DB=none or --no-store

  // OTLP push: the OpenTelemetry SDK's standard variables (METRICS_ variants win).
  std::string otlp_metrics_endpoint;            // OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, as is
  std::string otlp_endpoint;                    // OTEL_EXPORTER_OTLP_ENDPOINT, + /v1/metrics
  std::string otlp_headers;                     // OTEL_EXPORTER_OTLP_[METRICS_]HEADERS
  std::string otlp_protocol = "http/protobuf";  // OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL
  std::string otlp_compression = "none";        // OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION
  int otlp_timeout_ms = 10000;                  // OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT
  std::string otlp_certificate;                 // OTEL_EXPORTER_OTLP_[METRICS_]CERTIFICATE
  std::string otlp_client_certificate;          // ..._CLIENT_CERTIFICATE
  std::string otlp_client_key;                  // ..._CLIENT_KEY
  std::string otlp_temporality = "cumulative";  // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
  int export_interval_ms = 60000;               // OTEL_METRIC_EXPORT_INTERVAL
  int export_timeout_ms = 30000;                // OTEL_METRIC_EXPORT_TIMEOUT
  std::string resource_attributes;              // OTEL_RESOURCE_ATTRIBUTES
  bool otlp_disabled = false;       // OTEL_SDK_DISABLED=true, OTEL_METRICS_EXPORTER=none
  int otlp_max_request_kib = 4096;  // EM_METRICS_OTLP_MAX_REQUEST_KIB
};

// Where OTLP metrics go: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as is, else OTEL_COLLECTOR_URL as is
// (the original's variable), else OTEL_EXPORTER_OTLP_ENDPOINT joined with "v1/metrics" by exactly
// one '/'. Empty: no push.
std::string MetricsEndpoint(const Settings& s);

// Reads the environment through `getenv` (injected for tests), then applies `args` (flags such as
// "--port", "8080" or "--port=8080"). Unknown flags and bad values are kInvalidArgument naming the
// flag or variable.
using GetEnv = std::function<std::optional<std::string>(const char*)>;
Result<Settings> LoadSettings(const GetEnv& getenv, const std::vector<std::string>& args);

// The process environment.
GetEnv ProcessEnv();

// The options table for --help: flag, variable, default, meaning.
std::string SettingsUsage();

// `url` with its password replaced by "***", in the userinfo (postgres://user:***@host/db) and
// in a password=... query parameter: what logs and messages show of DATABASE_URL. Anything else
// (user, host, port, database, other parameters) is kept, so the line still says where it points.
std::string MaskedDatabaseUrl(std::string_view url);

// "1", "true", "yes" (any case) are true; everything else, including "0", "false", "" is false.
bool IsTrueValue(std::string_view v);

}  // namespace emm::config
