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
  bool sqlite_full_sync = true;                    // SQLITE_SYNC=full|normal
  std::string config_path;                         // CONFIG ("" = no teams file)
  std::string otel_service_name = "em_metrics";    // OTEL_SERVICE_NAME
  std::string otel_collector_url;                  // OTEL_COLLECTOR_URL ("" = no push)
  std::string deployment_environment = "NO_ENV";   // DEPLOYMENT_ENVIRONMENT
  bool no_auth = false;                            // EM_METRICS_NO_AUTH (1, true, yes)
  std::string token;                               // EM_METRICS_TOKEN_AUTH
  std::string basic_username;                      // EM_METRICS_BASIC_AUTH_USERNAME
  std::string basic_password;                      // EM_METRICS_BASIC_AUTH_PASSWORD
  std::string log_level = "info";                  // EM_METRICS_LOG_LEVEL
  std::string version = "-";                       // EM_METRICS_VERSION
  bool dev_routes = false;                         // DEV_ROUTES (any value)
  int threads = 0;                                 // EM_METRICS_THREADS (0 = one per core)
  int shutdown_grace_ms = 10000;                   // EM_METRICS_SHUTDOWN_GRACE_MS
  int read_timeout_ms = 30000;                     // EM_METRICS_READ_TIMEOUT_MS
};

// Reads the environment through `getenv` (injected for tests), then applies `args` (flags such as
// "--port", "8080" or "--port=8080"). Unknown flags and bad values are kInvalidArgument naming the
// flag or variable.
using GetEnv = std::function<std::optional<std::string>(const char*)>;
Result<Settings> LoadSettings(const GetEnv& getenv, const std::vector<std::string>& args);

// The process environment.
GetEnv ProcessEnv();

// The options table for --help: flag, variable, default, meaning.
std::string SettingsUsage();

// "1", "true", "yes" (any case) are true; everything else, including "0", "false", "" is false.
bool IsTrueValue(std::string_view v);

}  // namespace emm::config
