#include "config/settings.h"
#include "common/strings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace emm::config {
namespace {

enum class Kind { kString, kPort, kBool, kPresence, kSync, kInt, kChoice };

struct Option {
  const char* flag;  // without leading dashes
  const char* env;
  Kind kind;
  const char* def;  // shown in --help
  const char* help;
  std::function<void(Settings&, const std::string&)> set;
  const char* choices = nullptr;  // kChoice: "a|b|c", compared case-insensitively
};

int IntOf(const std::string& v) {
  long n = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  return r.ec == std::errc() ? static_cast<int>(n) : 0;
}

bool ParseInt(const std::string& s, long min, long max, long* out) {
  long v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

// "a, b,,c " -> {"a", "b", "c"}: items trimmed, empty ones dropped.
std::vector<std::string> CommaList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = std::min(v.find(',', start), v.size());
    size_t b = start, e = comma;
    while (b < e && std::isspace(static_cast<unsigned char>(v[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(v[e - 1]))) --e;
    if (e > b) out.push_back(v.substr(b, e - b));
    start = comma + 1;
  }
  return out;
}

const std::vector<Option>& Options() {
  static const std::vector<Option> kOptions = {
      {"host", "HOST", Kind::kString, "0.0.0.0", "address to listen on",
       [](Settings& s, const std::string& v) { s.host = v; }},
      {"port", "PORT", Kind::kPort, "3000", "port to listen on (0: any free port)",
       [](Settings& s, const std::string& v) {
         long p = 0;
         ParseInt(v, 0, 65535, &p);
         s.port = static_cast<uint16_t>(p);
       }},
      {"sqlite-db", "SQLITE_DB", Kind::kString, "./data/em-metrics.db",
       "SQLite database file (created with its directory); none: keep no database. Ignored "
       "when DATABASE_URL is set",
       [](Settings& s, const std::string& v) {
         s.sqlite_db = v;
         s.sqlite_db_set = !v.empty();
       }},
      {"database-url", "DATABASE_URL", Kind::kString, "(none: SQLite)",
       "PostgreSQL instead of SQLite: postgres://user:password@host:5432/db?sslmode=require "
       "(postgresql:// too); wins over SQLITE_DB. Prefer the variable: a flag shows in the "
       "process list",
       [](Settings& s, const std::string& v) { s.database_url = v; }},
      {"database-pool-size", "DATABASE_POOL_SIZE", Kind::kInt, "8",
       "PostgreSQL connections this process opens at most (reads and the writer share them)",
       [](Settings& s, const std::string& v) { s.database_pool_size = IntOf(v); }},
      {"sqlite-sync", "SQLITE_SYNC", Kind::kSync, "full",
       "full: fsync before acknowledging a write; normal: faster, may lose the last writes on "
       "power loss (never on a crash)",
       [](Settings& s, const std::string& v) { s.sqlite_full_sync = v == "full"; }},
      {"sqlite-checkpoint-pages", "SQLITE_CHECKPOINT_PAGES", Kind::kInt, "4000",
       "copy the write-ahead log into the database file once it holds this many 4 KiB pages "
       "(between two write batches; smaller: shorter pauses, more copying)",
       [](Settings& s, const std::string& v) {
         long n = 0;
         ParseInt(v, 0, 3600000, &n);
         s.sqlite_checkpoint_pages = static_cast<int>(n);
       }},
      {"config", "CONFIG", Kind::kString, "(none)",
       "teams config file (JSON); relative paths resolve against the working directory",
       [](Settings& s, const std::string& v) { s.config_path = v; }},
      {"otel-service-name", "OTEL_SERVICE_NAME", Kind::kString, "em_metrics",
       "service.name of exported metrics",
       [](Settings& s, const std::string& v) { s.otel_service_name = v; }},
      {"otel-collector-url", "OTEL_COLLECTOR_URL", Kind::kString, "(none: no push)",
       "OTLP/HTTP metrics endpoint, e.g. http://localhost:4318/v1/metrics",
       [](Settings& s, const std::string& v) { s.otel_collector_url = v; }},
      {"deployment-environment", "DEPLOYMENT_ENVIRONMENT", Kind::kString, "NO_ENV",
       "environment of events that do not name one",
       [](Settings& s, const std::string& v) { s.deployment_environment = v; }},
      {"no-auth", "EM_METRICS_NO_AUTH", Kind::kBool, "false",
       "disable authentication; only 1, true or yes count as true",
       [](Settings& s, const std::string& v) { s.no_auth = IsTrueValue(v); }},
      {"token-auth", "EM_METRICS_TOKEN_AUTH", Kind::kString, "(none)",
       "token accepted as 'Authorization: Token <token>'",
       [](Settings& s, const std::string& v) { s.token = v; }},
      {"basic-auth-username", "EM_METRICS_BASIC_AUTH_USERNAME", Kind::kString, "(none)",
       "HTTP basic auth user (either user or password enables basic auth)",
       [](Settings& s, const std::string& v) { s.basic_username = v; }},
      {"basic-auth-password", "EM_METRICS_BASIC_AUTH_PASSWORD", Kind::kString, "(none)",
       "HTTP basic auth password", [](Settings& s, const std::string& v) { s.basic_password = v; }},
      {"scrape-no-auth", "EM_METRICS_SCRAPE_NO_AUTH", Kind::kBool, "false",
       "serve GET /metrics without credentials (for a Prometheus scraper); the rest keeps its auth",
       [](Settings& s, const std::string& v) { s.scrape_no_auth = IsTrueValue(v); }},
      {"github-webhook-secret", "GITHUB_WEBHOOK_SECRET", Kind::kString, "(none: 503)",
       "secret of POST /webhooks/github: each delivery's X-Hub-Signature-256 is checked with it",
       [](Settings& s, const std::string& v) { s.github_webhook_secret = v; }},
      {"pagerduty-webhook-secret", "PAGERDUTY_WEBHOOK_SECRET", Kind::kString, "(none: 503)",
       "secret of POST /webhooks/pagerduty (the webhook subscription's signing secret): each "
       "delivery's X-PagerDuty-Signature is checked with it",
       [](Settings& s, const std::string& v) { s.pagerduty_webhook_secret = v; }},
      {"incident-io-webhook-secret", "INCIDENT_IO_WEBHOOK_SECRET", Kind::kString, "(none: 503)",
       "secret of POST /webhooks/incident-io (the endpoint's whsec_... signing secret): each "
       "delivery's webhook-signature is checked with it",
       [](Settings& s, const std::string& v) { s.incident_io_webhook_secret = v; }},
      {"github-client-id", "GITHUB_CLIENT_ID", Kind::kString, "(none: reviews 503)",
       "the GitHub App's client ID (its settings page), the issuer of its JWTs; with "
       "GITHUB_RSA_PEM_KEY_B64, lets POST /webhooks/github read reviews and commits",
       [](Settings& s, const std::string& v) { s.github_client_id = v; }},
      {"github-rsa-pem-key-b64", "GITHUB_RSA_PEM_KEY_B64", Kind::kString, "(none: reviews 503)",
       "the GitHub App's private key: base64 of its .pem file (base64 -w0 app.pem); checked at "
       "start. Prefer the variable: a flag shows in the process list",
       [](Settings& s, const std::string& v) { s.github_rsa_pem_key_b64 = v; }},
      {"github-endpoint", "GITHUB_ENDPOINT", Kind::kString, "https://api.github.com",
       "GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3)",
       [](Settings& s, const std::string& v) {
         if (!v.empty()) s.github_endpoint = v;  // empty: the default, as for unset
       }},
      {"linear-secret", "LINEAR_SECRET", Kind::kString, "(none: 503)",
       "signing secret of POST /webhooks/linear: each delivery's Linear-Signature is checked with "
       "it",
       [](Settings& s, const std::string& v) { s.linear_secret = v; }},
      {"bot-logins", "EM_METRICS_BOT_LOGINS", Kind::kString, "(none)",
       "comma-separated logins that are bots (besides any ending in [bot]): team-health leaves "
       "their pull requests and reviews out",
       [](Settings& s, const std::string& v) { s.bot_logins = CommaList(v); }},
      {"gitlab-webhook-token", "GITLAB_WEBHOOK_TOKEN", Kind::kString, "(none: 503)",
       "secret token of POST /webhooks/gitlab: each delivery's X-Gitlab-Token must equal it",
       [](Settings& s, const std::string& v) { s.gitlab_webhook_token = v; }},
      {"log-level", "EM_METRICS_LOG_LEVEL", Kind::kString, "info",
       "trace, debug, info, warn, error, fatal or silent",
       [](Settings& s, const std::string& v) { s.log_level = v; }},
      {"version-string", "EM_METRICS_VERSION", Kind::kString, "-",
       "version reported by GET /api/v1/version",
       [](Settings& s, const std::string& v) { s.version = v; }},
      {"dev-routes", "DEV_ROUTES", Kind::kPresence, "(off)",
       "any value enables POST /ping (development only)",
       [](Settings& s, const std::string& v) { s.dev_routes = !v.empty(); }},
      {"threads", "EM_METRICS_THREADS", Kind::kInt, "0", "HTTP I/O threads (0: one per core)",
       [](Settings& s, const std::string& v) {
         long n = 0;
         ParseInt(v, 0, 256, &n);
         s.threads = static_cast<int>(n);
       }},
      {"shutdown-grace-ms", "EM_METRICS_SHUTDOWN_GRACE_MS", Kind::kInt, "10000",
       "how long SIGTERM waits for in-flight requests",
       [](Settings& s, const std::string& v) {
         long n = 0;
         ParseInt(v, 0, 3600000, &n);
         s.shutdown_grace_ms = static_cast<int>(n);
       }},
      {"read-timeout-ms", "EM_METRICS_READ_TIMEOUT_MS", Kind::kInt, "30000",
       "time a client has to send a whole request (slow clients are disconnected)",
       [](Settings& s, const std::string& v) {
         long n = 0;
         ParseInt(v, 0, 3600000, &n);
         s.read_timeout_ms = static_cast<int>(n);
       }},
      {"max-connections", "EM_METRICS_MAX_CONNECTIONS", Kind::kInt, "1024",
       "connections served at once, at most the open-file limit less 80 (0: that many); more "
       "get a quick 503 with Retry-After: 1, while GET /health still answers",
       [](Settings& s, const std::string& v) {
         long n = 0;
         ParseInt(v, 0, 1000000, &n);
         s.max_connections = static_cast<int>(n);
       }},
      {"no-store", "EM_METRICS_NO_STORE", Kind::kBool, "false",
       "keep no database: forward each event's points to the collector (same as SQLITE_DB=none)",
       [](Settings& s, const std::string& v) { s.no_store = IsTrueValue(v); }},
      // --- OTLP push ---
      {"otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", Kind::kString, "(none)",
       "OTLP/HTTP base URL; /v1/metrics is appended",
       [](Settings& s, const std::string& v) { s.otlp_endpoint = v; }},
      {"otlp-metrics-endpoint", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", Kind::kString, "(none)",
       "OTLP/HTTP metrics URL, used as is; wins over OTEL_COLLECTOR_URL and the base URL",
       [](Settings& s, const std::string& v) { s.otlp_metrics_endpoint = v; }},
      {"otlp-headers", "OTEL_EXPORTER_OTLP_HEADERS", Kind::kString, "(none)",
       "extra request headers, k1=v1,k2=v2 (percent-encoded), e.g. Authorization=Bearer%20x",
       [](Settings& s, const std::string& v) { s.otlp_headers = v; }},
      {"otlp-metrics-headers", "OTEL_EXPORTER_OTLP_METRICS_HEADERS", Kind::kString, "(none)",
       "as OTEL_EXPORTER_OTLP_HEADERS, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_headers = v; }},
      {"otlp-protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", Kind::kChoice, "http/protobuf",
       "http/protobuf or http/json",
       [](Settings& s, const std::string& v) { s.otlp_protocol = AsciiLower(v); },
       "http/protobuf|http/json"},
      {"otlp-metrics-protocol", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", Kind::kChoice,
       "http/protobuf", "as OTEL_EXPORTER_OTLP_PROTOCOL, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_protocol = AsciiLower(v); },
       "http/protobuf|http/json"},
      {"otlp-compression", "OTEL_EXPORTER_OTLP_COMPRESSION", Kind::kChoice, "none", "gzip or none",
       [](Settings& s, const std::string& v) { s.otlp_compression = AsciiLower(v); }, "gzip|none"},
      {"otlp-metrics-compression", "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", Kind::kChoice, "none",
       "as OTEL_EXPORTER_OTLP_COMPRESSION, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_compression = AsciiLower(v); }, "gzip|none"},
      {"otlp-timeout", "OTEL_EXPORTER_OTLP_TIMEOUT", Kind::kInt, "10000",
       "milliseconds one export request may take",
       [](Settings& s, const std::string& v) { s.otlp_timeout_ms = IntOf(v); }},
      {"otlp-metrics-timeout", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", Kind::kInt, "10000",
       "as OTEL_EXPORTER_OTLP_TIMEOUT, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_timeout_ms = IntOf(v); }},
      {"otlp-certificate", "OTEL_EXPORTER_OTLP_CERTIFICATE", Kind::kString, "(system CAs)",
       "PEM file of the CA that signed the collector's certificate (https)",
       [](Settings& s, const std::string& v) { s.otlp_certificate = v; }},
      {"otlp-metrics-certificate", "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", Kind::kString,
       "(system CAs)", "as OTEL_EXPORTER_OTLP_CERTIFICATE, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_certificate = v; }},
      {"otlp-client-certificate", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", Kind::kString, "(none)",
       "PEM client certificate for mutual TLS",
       [](Settings& s, const std::string& v) { s.otlp_client_certificate = v; }},
      {"otlp-metrics-client-certificate", "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
       Kind::kString, "(none)", "as OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_client_certificate = v; }},
      {"otlp-client-key", "OTEL_EXPORTER_OTLP_CLIENT_KEY", Kind::kString, "(none)",
       "PEM private key of the client certificate",
       [](Settings& s, const std::string& v) { s.otlp_client_key = v; }},
      {"otlp-metrics-client-key", "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", Kind::kString, "(none)",
       "as OTEL_EXPORTER_OTLP_CLIENT_KEY, wins over it",
       [](Settings& s, const std::string& v) { s.otlp_client_key = v; }},
      {"otlp-temporality", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", Kind::kChoice,
       "cumulative",
       "cumulative, or delta (lowmemory is the same as delta here: every em-metrics metric is a "
       "counter or histogram)",
       [](Settings& s, const std::string& v) {
         s.otlp_temporality = AsciiLower(v) == "cumulative" ? "cumulative" : "delta";
       },
       "cumulative|delta|lowmemory"},
      {"export-interval", "OTEL_METRIC_EXPORT_INTERVAL", Kind::kInt, "60000",
       "milliseconds between exports",
       [](Settings& s, const std::string& v) { s.export_interval_ms = std::max(1, IntOf(v)); }},
      {"export-timeout", "OTEL_METRIC_EXPORT_TIMEOUT", Kind::kInt, "30000",
       "milliseconds one export may take, retries included",
       [](Settings& s, const std::string& v) { s.export_timeout_ms = IntOf(v); }},
      {"resource-attributes", "OTEL_RESOURCE_ATTRIBUTES", Kind::kString, "(none)",
       "extra resource attributes, k1=v1,k2=v2 (percent-encoded)",
       [](Settings& s, const std::string& v) { s.resource_attributes = v; }},
      {"otel-sdk-disabled", "OTEL_SDK_DISABLED", Kind::kBool, "false", "true: no OTLP push",
       [](Settings& s, const std::string& v) {
         s.otlp_disabled = s.otlp_disabled || IsTrueValue(v);
       }},
      {"otel-metrics-exporter", "OTEL_METRICS_EXPORTER", Kind::kChoice, "otlp",
       "otlp, or none (no push; /metrics still serves everything); prometheus means none here",
       [](Settings& s, const std::string& v) {
         s.otlp_disabled = s.otlp_disabled || AsciiLower(v) != "otlp";
       },
       "otlp|none|prometheus"},
      {"otlp-max-request-kib", "EM_METRICS_OTLP_MAX_REQUEST_KIB", Kind::kInt, "4096",
       "larger exports are split into requests of at most this many KiB (before gzip)",
       [](Settings& s, const std::string& v) { s.otlp_max_request_kib = std::max(1, IntOf(v)); }},
  };
  return kOptions;
}

// The largest value a kInt option takes.
long MaxOf(const Option& o) {
  if (o.flag == std::string_view("threads")) return 256;
  if (o.flag == std::string_view("max-connections")) return 1000000;
  if (o.flag == std::string_view("database-pool-size")) return 1000;
  return 3600000;
}

// Checks a value before it is applied; `where` names the flag or variable.
Status Check(const Option& o, const std::string& v, const std::string& where) {
  long n = 0;
  switch (o.kind) {
    case Kind::kPort:
      if (!ParseInt(v, 0, 65535, &n)) {
        return Status::InvalidArgument(where, "must be a port number 0-65535, got \"" + v + "\"");
      }
      break;
    case Kind::kInt:
      if (!ParseInt(v, 0, MaxOf(o), &n)) {
        return Status::InvalidArgument(where, "must be a whole number, got \"" + v + "\"");
      }
      if (n == 0 && (o.flag == std::string_view("sqlite-checkpoint-pages") ||
                     o.flag == std::string_view("database-pool-size"))) {
        return Status::InvalidArgument(where, "must be at least 1");
      }
      break;
    case Kind::kChoice: {
      std::string choices = o.choices, lower = AsciiLower(v);
      bool found = false;
      for (size_t b = 0; b <= choices.size() && !found;) {
        size_t e = choices.find('|', b);
        if (e == std::string::npos) e = choices.size();
        found = choices.compare(b, e - b, lower) == 0;
        b = e + 1;
      }
      if (!found) {
        std::string hint =
            lower == "grpc" ? " (OTLP over gRPC is not supported: use http/protobuf)" : "";
        std::string listed = choices;
        std::replace(listed.begin(), listed.end(), '|', ',');
        return Status::InvalidArgument(where,
                                       "must be one of " + listed + ", got \"" + v + "\"" + hint);
      }
      break;
    }
    case Kind::kSync:
      if (v != "full" && v != "normal") {
        return Status::InvalidArgument(where, "must be full or normal, got \"" + v + "\"");
      }
      break;
    case Kind::kString:
      if (o.flag == std::string_view("log-level") && v != "trace" && v != "debug" && v != "info" &&
          v != "warn" && v != "error" && v != "fatal" && v != "silent") {
        return Status::InvalidArgument(
            where, "must be trace, debug, info, warn, error, fatal or silent, got \"" + v + "\"");
      }
      if (o.flag == std::string_view("github-endpoint") && !v.empty() &&
          v.rfind("http://", 0) != 0 &&
          v.rfind("https://", 0) != 0) {
        return Status::InvalidArgument(
            where, "must start with https:// (or http://), got \"" + v + "\"");
      }
      if (o.flag == std::string_view("database-url") && !v.empty() &&
          !v.starts_with("postgres://") && !v.starts_with("postgresql://")) {
        return Status::InvalidArgument(where, "must be a postgres:// or postgresql:// URL, got \"" +
                                                  MaskedDatabaseUrl(v) + "\"");
      }
      break;
    case Kind::kBool:
    case Kind::kPresence:
      break;
  }
  return Status::Ok();
}

}  // namespace

std::string MetricsEndpoint(const Settings& s) {
  if (!s.otlp_metrics_endpoint.empty()) return s.otlp_metrics_endpoint;
  if (!s.otel_collector_url.empty()) return s.otel_collector_url;
  if (s.otlp_endpoint.empty()) return "";
  std::string base = s.otlp_endpoint;
  if (base.back() != '/') base += '/';
  return base + "v1/metrics";
}

std::string MaskedDatabaseUrl(std::string_view url) {
  std::string out(url);
  // The userinfo: between "://" and the last '@' before the path, query or fragment.
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = std::min(out.find_first_of("/?#", start), out.size());
    const size_t at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... among the query parameters (libpq takes it there too).
  if (size_t q = out.find('?'); q != std::string::npos) {
    for (size_t p = q + 1; p < out.size();) {
      const size_t amp = std::min(out.find('&', p), out.size());
      if (out.compare(p, 9, "password=") == 0 && p + 9 <= amp) {
        out.replace(p + 9, amp - p - 9, "***");
        p = p + 9 + 3 + 1;
      } else {
        p = amp + 1;
      }
    }
  }
  return out;
}

bool IsTrueValue(std::string_view v) {
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "1" || lower == "true" || lower == "yes";
}

GetEnv ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Settings> LoadSettings(const GetEnv& getenv, const std::vector<std::string>& args) {
  Settings s;
  for (const Option& o : Options()) {
    auto v = getenv(o.env);
    if (!v) continue;
    // An empty variable means "not set", as in the original (CONFIG='' = no config).
    if (v->empty() && (o.kind != Kind::kString || o.flag == std::string_view("log-level"))) {
      continue;
    }
    EMM_RETURN_IF_ERROR(Check(o, *v, o.env));
    o.set(s, *v);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument(arg, "unexpected argument (see --help)");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = std::find_if(Options().begin(), Options().end(),
                           [&](const Option& o) { return name == o.flag; });
    if (it == Options().end()) {
      return Status::InvalidArgument("--" + name, "unknown option (see --help)");
    }
    if (!value) {
      if (it->kind == Kind::kBool || it->kind == Kind::kPresence) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Status::InvalidArgument("--" + name, "needs a value");
      }
    }
    EMM_RETURN_IF_ERROR(Check(*it, *value, "--" + name));
    it->set(s, *value);
  }
  // SQLITE_DB=none asks for no database; DATABASE_URL names one, and wins over SQLITE_DB.
  if (s.database_url.empty() && s.sqlite_db == "none") s.no_store = true;
  if (!s.database_url.empty() && s.no_store) {
    return Status::InvalidArgument("DATABASE_URL",
                                   "names a database while EM_METRICS_NO_STORE (--no-store) asks "
                                   "for none: unset one of them");
  }
  return s;
}

std::string SettingsUsage() {
  std::string out;
  for (const Option& o : Options()) {
    std::string flag = std::string("  --") + o.flag;
    if (o.kind != Kind::kBool && o.kind != Kind::kPresence) flag += " VALUE";
    out += flag;
    out.append(flag.size() < 34 ? 34 - flag.size() : 1, ' ');
    out += std::string("env ") + o.env + ", default " + o.def + "\n";
    out += std::string(36, ' ') + o.help + "\n";
  }
  return out;
}

}  // namespace emm::config
